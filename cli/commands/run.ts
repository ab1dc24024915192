import path from 'node:path';
import { hashDrop } from '../../contracts/drop-hash';
import { lastMonthsInDrop, monthNotCoveredReason } from '../../contracts/month-coverage';
import { defaultAttributionPolicy, loadAttributionPolicy } from '../../config/attribution-policy';
import { loadConfig } from '../../config/load';
import { connectClient, runState, startCycle, temporalFromEnv } from '../../temporal/client';
import { printJson, say } from '../output';
import { parseMonth } from '../parse';
import { parseDuration } from '../../lib/duration';
import { describeRunScope, parseRunScope } from '../../lib/run-scope';
import { SEGMENTS } from '../../contracts/rows';

export async function runCommand(opts: {
  month: string; drop: string; requestedBy: string; rerun?: boolean; wait?: boolean; approvalTimeout?: string; json?: boolean; policy?: string; config?: string;
  scope?: string;
}): Promise<number> {
  // A bad scope is refused before anything is read or started.
  const scope = opts.scope === undefined ? undefined : parseRunScope(opts.scope, SEGMENTS);
  // Read before anything starts: a bad policy or config file is the caller's error, not a failed run.
  // The run carries both documents in its input, so a later edit of either file never changes it.
  const policy = opts.policy ? loadAttributionPolicy(opts.policy) : defaultAttributionPolicy();
  const { source: _source, ...config } = loadConfig(opts.config);
  const approvalTimeoutMs = parseDuration(opts.approvalTimeout ?? config.approvals.timeout, opts.approvalTimeout ? '--approval-timeout' : 'approvals.timeout');
  const month = parseMonth(opts.month, '--month');
  const dropPath = path.resolve(opts.drop);
  const drop = await hashDrop(dropPath);
  if (drop.files.length === 0) throw new Error(`${dropPath} holds no drop files (accounts.csv, opportunities.csv, …)`);
  // A month after the drop ends would read as a month without spend or deals. Refused here, before anything starts,
  // when the files tell; a drop without readable spend or opportunities is left to the contracts, which name the problem.
  const last = await lastMonthsInDrop(dropPath);
  const notCovered = last.spend !== null && last.opportunities !== null ? monthNotCoveredReason(month, last) : null;
  if (notCovered) throw new Error(notCovered);
  const client = await connectClient(temporalFromEnv());
  try {
    const { runId, version } = await startCycle(client, {
      month, dropPath, dropSha256: drop.sha256, requestedBy: opts.requestedBy,
      approvalTimeoutMs, config, attributionPolicy: policy.policy, ...(scope ? { scope } : {}),
    }, { rerun: opts.rerun });
    const pilot = scope ? { pilot: { scope } } : {};
    const pilotWords = scope ? ` as a pilot (${describeRunScope(scope)}: its own outputs; the champion and budget stay)` : '';
    if (!opts.wait) {
      if (opts.json) printJson({ runId, version, month, dropSha256: drop.sha256, ...pilot });
      else say(`started ${runId} (version ${version}) for ${month}${pilotWords}; follow it with \`acvloop status ${runId}\``);
      return 0;
    }
    const state = await waitForGate(client, runId, (line) => { if (!opts.json) say(line); });
    if (opts.json) printJson({ runId, version, month, dropSha256: drop.sha256, ...pilot, status: state.status, ...(state.error ? { error: state.error } : {}) });
    else if (state.status === 'failed') say(`${runId} failed: ${state.error ?? 'no reason given'}`);
    else if (state.status === 'awaiting_approval') say(`${runId} waits for approval: acvloop approve ${runId} --reviewer NAME`);
    else say(`${runId} ended ${state.status}`);
    return state.status === 'failed' ? 1 : 0;
  } finally {
    await client.connection.close();
  }
}

/** Polls a run until it waits for approval or ends, reporting each stage as it finishes. */
export async function waitForGate(
  client: Awaited<ReturnType<typeof connectClient>>, runId: string, report: (line: string) => void,
): Promise<Awaited<ReturnType<typeof runState>>> {
  const seen = new Set<string>();
  for (;;) {
    const state = await runState(client, runId);
    for (const s of state.stages) {
      const key = `${s.name}:${s.status}`;
      if ((s.status === 'completed' || s.status === 'failed') && !seen.has(key)) {
        seen.add(key);
        const ms = s.startedAt && s.finishedAt ? Date.parse(s.finishedAt) - Date.parse(s.startedAt) : null;
        report(`  ${s.status === 'completed' ? '✓' : '✗'} ${s.name.padEnd(9)} ${ms !== null ? `${(ms / 1000).toFixed(1)} s` : ''}${summaryLine(s.summary)}`);
      }
    }
    if (state.status !== 'running') return state;
    await new Promise((r) => setTimeout(r, 300));
  }
}

function summaryLine(summary: Record<string, unknown> | undefined): string {
  if (!summary) return '';
  const parts = Object.entries(summary)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .slice(0, 4)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? (v as number).toFixed(3) : v}`);
  return parts.length ? `  (${parts.join(', ')})` : '';
}

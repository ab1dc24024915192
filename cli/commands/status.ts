import { connectClient, runState, temporalFromEnv } from '../../temporal/client';
import { printJson, say, table } from '../output';
import { connect, dbOptionsFromEnv, type Db } from '../../sql/db';
import { runById } from '../../store/runs';
import type { RunState } from '../../temporal/client';

/**
 * No worker answered: the stages' own records in Postgres (when DATABASE_URL
 * is set) still say how far the run got.
 */
async function stagesFromDatabase(handle: Db, s: RunState): Promise<void> {
  try {
    const run = await runById(handle.db, s.runId);
    if (!run) return;
    s.month = run.month;
    s.requestedBy = run.requested_by;
    const events = await handle.db.selectFrom('run_stage_events').select(['stage', 'status', 'at']).where('run_id', '=', s.runId).orderBy('id').execute();
    for (const stage of s.stages) {
      const mine = events.filter((e) => e.stage === stage.name);
      const started = mine.find((e) => e.status === 'started');
      const last = mine[mine.length - 1];
      if (!started || !last) continue;
      stage.startedAt = started.at.toISOString();
      stage.status = last.status === 'started' ? 'running' : last.status;
      stage.finishedAt = last.status === 'started' ? null : last.at.toISOString();
    }
  } catch {
    // the database is an extra source here; Temporal's answer stands without it
  }
}

/** What approving does to the champions, from the run's approval request; null before the gate. */
async function championOnApproval(handle: Db, runId: string): Promise<string | null> {
  try {
    const r = await handle.db.selectFrom('approval_requests').select('sign_off').where('run_id', '=', runId).executeTakeFirst();
    return (r?.sign_off as { champion?: { text: string } } | undefined)?.champion?.text ?? null;
  } catch {
    return null; // the database is an extra source here
  }
}

export async function statusCommand(runId: string, opts: { json?: boolean }): Promise<number> {
  const client = await connectClient(temporalFromEnv());
  // One connection for both of the database's extras (without DATABASE_URL, Temporal's answer alone).
  const dbOpts = dbOptionsFromEnv();
  const handle = dbOpts ? connect(dbOpts) : null;
  try {
    const s = await runState(client, runId);
    if (handle && !s.live) await stagesFromDatabase(handle, s);
    const champion = handle ? await championOnApproval(handle, runId) : null;
    const out = {
      runId, month: s.month, status: s.status,
      stages: s.stages.map((x) => ({ name: x.name, status: x.status, startedAt: x.startedAt, finishedAt: x.finishedAt })),
      ...(s.error ? { error: s.error } : {}),
      ...(s.approvalDeadline ? { approvalDeadline: s.approvalDeadline } : {}),
      ...(s.decision ? { decision: s.decision } : {}),
      ...(s.requiredApprovers !== undefined ? { requiredApprovers: s.requiredApprovers } : {}),
      ...(s.decisions ? { decisions: s.decisions } : {}),
      ...(s.reminderSentAt ? { reminderSentAt: s.reminderSentAt } : {}),
      ...(champion ? { champion } : {}),
    };
    if (opts.json) printJson(out);
    else {
      say(`${runId}  ${s.month}  ${s.status}${s.error ? `: ${s.error}` : ''}`);
      say(table(['stage', 'status', 'started', 'finished'], out.stages.map((x) => [x.name, x.status, x.startedAt ?? '', x.finishedAt ?? ''])));
      if (s.status === 'awaiting_approval' && s.requiredApprovers !== undefined) {
        const approved = (s.decisions ?? []).filter((d) => d.decision === 'approved').map((d) => d.reviewer);
        say(`waits for ${s.requiredApprovers - approved.length} more approval(s) of ${s.requiredApprovers}${approved.length ? ` (approved by ${approved.join(', ')})` : ''}` +
          ` until ${s.approvalDeadline}${s.reminderSentAt ? `; reminder sent ${s.reminderSentAt}` : ''}`);
      }
      if (champion) say(`champion: ${champion}`);
    }
    return 0;
  } finally {
    await handle?.close();
    await client.connection.close();
  }
}

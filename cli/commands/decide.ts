import { connect, dbOptionsFromEnv } from '../../sql/db';
import { connectClient, decideAudited, runState, temporalFromEnv } from '../../temporal/client';
import { printJson, say } from '../output';

async function decideCommand(decision: 'approve' | 'reject', runId: string, opts: { reviewer: string; reason?: string; promoteOlder?: boolean; json?: boolean }): Promise<number> {
  const client = await connectClient(temporalFromEnv());
  // With DATABASE_URL, a refused decision is also an audit entry.
  const dbOpts = dbOptionsFromEnv();
  const db = dbOpts ? connect(dbOpts) : null;
  try {
    const rec = await decideAudited(client, db, runId, { decision, reviewer: opts.reviewer, reason: opts.reason, ...(opts.promoteOlder ? { promote: true } : {}) });
    // With several approvers required, say how many are still to come.
    const state = await runState(client, runId).catch(() => null);
    const approved = (state?.decisions ?? []).filter((d) => d.decision === 'approved').length;
    const remaining = state?.status === 'awaiting_approval' && state.requiredApprovers !== undefined ? state.requiredApprovers - approved : 0;
    if (opts.json) printJson({ runId, ...rec, ...(remaining > 0 ? { remainingApprovals: remaining } : {}) });
    else say(`${runId} ${rec.decision} by ${rec.reviewer}${rec.reason ? ` (${rec.reason})` : ''}${rec.promote ? '; asked to make it champion although it is older than the champion\'s run' : ''}` +
      `${remaining > 0 ? `; ${remaining} more approval(s) needed from other approvers` : ''}`);
    return 0;
  } finally {
    await client.connection.close();
    await db?.close();
  }
}

export const approveCommand = (runId: string, opts: { reviewer: string; reason?: string; promoteOlder?: boolean; json?: boolean }) => decideCommand('approve', runId, opts);
export const rejectCommand = (runId: string, opts: { reviewer: string; reason: string; json?: boolean }) => decideCommand('reject', runId, opts);

import { connect, dbOptionsFromEnv } from '../../sql/db';
import { connectClient, decideAudited, temporalFromEnv } from '../temporal-client';
import { printJson, say } from '../output';

async function decideCommand(decision: 'approve' | 'reject', runId: string, opts: { reviewer: string; reason?: string; json?: boolean }): Promise<number> {
  const client = await connectClient(temporalFromEnv());
  // With DATABASE_URL, a refused decision is also an audit entry.
  const dbOpts = dbOptionsFromEnv();
  const db = dbOpts ? connect(dbOpts) : null;
  try {
    const rec = await decideAudited(client, db, runId, { decision, reviewer: opts.reviewer, reason: opts.reason });
    if (opts.json) printJson({ runId, ...rec });
    else say(`${runId} ${rec.decision} by ${rec.reviewer}${rec.reason ? ` (${rec.reason})` : ''}`);
    return 0;
  } finally {
    await client.connection.close();
    await db?.close();
  }
}

export const approveCommand = (runId: string, opts: { reviewer: string; reason?: string; json?: boolean }) => decideCommand('approve', runId, opts);
export const rejectCommand = (runId: string, opts: { reviewer: string; reason: string; json?: boolean }) => decideCommand('reject', runId, opts);

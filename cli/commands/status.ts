import { connectClient, runState, temporalFromEnv } from '../temporal-client';
import { printJson, say, table } from '../output';

export async function statusCommand(runId: string, opts: { json?: boolean }): Promise<number> {
  const client = await connectClient(temporalFromEnv());
  try {
    const s = await runState(client, runId);
    const out = {
      runId, month: s.month, status: s.status,
      stages: s.stages.map((x) => ({ name: x.name, status: x.status, startedAt: x.startedAt, finishedAt: x.finishedAt })),
      ...(s.error ? { error: s.error } : {}),
      ...(s.approvalDeadline ? { approvalDeadline: s.approvalDeadline } : {}),
      ...(s.decision ? { decision: s.decision } : {}),
    };
    if (opts.json) printJson(out);
    else {
      say(`${runId}  ${s.month}  ${s.status}${s.error ? `: ${s.error}` : ''}`);
      say(table(['stage', 'status', 'started', 'finished'], out.stages.map((x) => [x.name, x.status, x.startedAt ?? '', x.finishedAt ?? ''])));
    }
    return 0;
  } finally {
    await client.connection.close();
  }
}

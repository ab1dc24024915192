import type { AddressInfo } from 'node:net';
import { configSchema, tokenSha256, type AcvloopConfig, type Reviewer } from '../../config/schema';
import { startCycle } from '../../temporal/client';
import { createReportServer, type ReportServer } from '../../report/server';
import { suiteDb } from './db';
import { connectTemporal, makeWorker, untilApprovalOrEnd, type TemporalHarness } from './temporal';
import { smallDrop } from './drops';

/**
 * One monthly cycle on a real Temporal and Postgres, stopped at the approval
 * gate, with `acvloop serve` in front of it on a free port: what the sign-off
 * tests (over HTTP and in a browser) start from. Each reviewer gets a token
 * whose sha256 goes in the config, as `acvloop token` does it.
 */
export interface ServedRun {
  config: AcvloopConfig;
  db: Awaited<ReturnType<typeof suiteDb>>;
  t: TemporalHarness;
  runId: string;
  /** http://127.0.0.1:PORT */
  base: string;
  close(): Promise<void>;
}

export interface ServedReviewer { name: string; roles: Reviewer['roles']; token: string }

export async function startServedRun(suite: string, o: { seed: number; requestedBy: string; reviewers: ServedReviewer[] }): Promise<ServedRun> {
  const config = configSchema.parse({ reviewers: o.reviewers.map((r) => ({
    name: r.name, roles: r.roles, tokenSha256: tokenSha256(r.token),
  })) });
  const db = await suiteDb(suite);
  const t = await connectTemporal(suite);
  const drop = await smallDrop({ seed: o.seed });
  const worker = await makeWorker(t, { db, codeVersion: 'test' });
  const running = worker.run();
  const { runId } = await startCycle(t.client, {
    month: drop.month, dropPath: drop.dir, dropSha256: drop.sha256, requestedBy: o.requestedBy, heartbeatTimeoutMs: 10_000, config,
  }, { rerun: true, taskQueue: t.taskQueue });
  await untilApprovalOrEnd(t.client.workflow.getHandle(runId));
  const server: ReportServer = createReportServer({ handle: db, client: t.client, config });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    config, db, t, runId, base,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      worker.shutdown();
      await running;
      await t.close();
      await db.drop();
      drop.cleanup();
    },
  };
}

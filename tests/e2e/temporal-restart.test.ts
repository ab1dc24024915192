import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/infra/postgres';
import { startDevServer, type DevServer } from '../../cli/infra/temporal';
import { decide, startCycle } from '../../temporal/client';
import { progressQuery, type CycleProgress } from '../../workflows/messages';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { makeWorker, type TemporalHarness } from '../helpers/temporal';

let db: Awaited<ReturnType<typeof suiteDb>>;
let drop: Awaited<ReturnType<typeof smallDrop>>;
let dir: string;
const servers: DevServer[] = [];

beforeAll(async () => {
  db = await suiteDb('trestart');
  drop = await smallDrop({ seed: 5, accounts: 1500, months: 36 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-temporal-restart-'));
});

afterAll(async () => {
  for (const s of servers) await s.stop();
  await db?.drop();
  drop?.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The run's progress once it satisfies `ok`; queries fail while the server is down, and are asked again. */
async function progressWhen(client: Client, runId: string, ok: (p: CycleProgress) => boolean, withinMs = 90_000): Promise<CycleProgress> {
  const end = Date.now() + withinMs;
  for (;;) {
    try {
      const p = await client.workflow.getHandle(runId).query(progressQuery);
      if (ok(p)) return p;
    } catch (err) {
      if (Date.now() > end) throw err;
    }
    if (Date.now() > end) throw new Error(`run ${runId} did not get there within ${withinMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the Temporal server killed mid-run and started again on the same database file', () => {
  it('keeps the run: the same worker and client reconnect by themselves, the run reaches the gate and completes', async () => {
    const dbFilename = path.join(dir, 'temporal.db');
    const port = await freePort();
    const first = await startDevServer({ dbFilename, port });
    servers.push(first);
    expect(first.pid).toBeDefined();

    const connection = await Connection.connect({ address: first.address });
    const native = await NativeConnection.connect({ address: first.address });
    const t: TemporalHarness = {
      client: new Client({ connection }), native, address: first.address, taskQueue: `test-trestart-${process.pid}`,
      close: async () => { await connection.close(); await native.close(); },
    };
    const worker = await makeWorker(t, { db, codeVersion: 'test' });
    const running = worker.run();
    try {
      const { runId } = await startCycle(t.client, {
        month: drop.month, dropPath: drop.dir, dropSha256: drop.sha256, requestedBy: 'ops',
        approvalTimeoutMs: 600_000,
      }, { rerun: true, taskQueue: t.taskQueue });

      // Kill with the cycle past its first stage and not yet at the gate: as a crash would, no chance to flush.
      const before = await progressWhen(t.client, runId, (p) => p.stages.some((s) => s.name === 'ingest' && s.status === 'completed'));
      expect(before.status).toBe('running');
      process.kill(first.pid!, 'SIGKILL');
      await first.stop(); // returns once it is gone
      await new Promise((r) => setTimeout(r, 2_000)); // the worker's polls fail meanwhile

      const second = await startDevServer({ dbFilename, port });
      servers.push(second);
      expect(second.address).toBe(first.address);

      const gate = await progressWhen(t.client, runId, (p) => p.status !== 'running');
      expect(gate.status, gate.error).toBe('awaiting_approval');
      expect(gate.stages.find((s) => s.name === 'score')?.status).toBe('completed');
      await decide(t.client, runId, { decision: 'approve', reviewer: 'rev' });
      expect((await t.client.workflow.getHandle(runId).result()).status).toBe('completed');
      const published = await db.db.selectFrom('contract_scores').select((eb) => eb.fn.countAll<string>().as('n')).where('run_id', '=', runId).executeTakeFirstOrThrow();
      expect(Number(published.n)).toBeGreaterThan(0);
    } finally {
      worker.shutdown();
      await running;
      await t.close();
    }
  }, 120_000);
});

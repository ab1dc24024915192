import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decide, startCycle } from '../../temporal/client';
import { progressQuery } from '../../workflows/messages';
import { suiteDb } from '../helpers/db';
import { connectTemporal, type TemporalHarness } from '../helpers/temporal';
import { smallDrop } from '../helpers/drops';
import { acvloop, startWorkerProcess } from '../helpers/cli';
import { outputsOf } from '../helpers/run-outputs';

let db: Awaited<ReturnType<typeof suiteDb>>;
let t: TemporalHarness;
let drop: Awaited<ReturnType<typeof smallDrop>>;
let env: NodeJS.ProcessEnv;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  db = await suiteDb('kill');
  t = await connectTemporal('kill');
  drop = await smallDrop({ seed: 11, accounts: 3000, months: 36 });
  env = { DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema, TEMPORAL_ADDRESS: inject('temporalAddress'), ACVLOOP_TASK_QUEUE: t.taskQueue };
});

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await t?.close();
  await db?.drop();
  drop?.cleanup();
});

function worker(): ChildProcess {
  const w = startWorkerProcess(env);
  workers.push(w);
  return w;
}

async function startRun() {
  const { runId } = await startCycle(t.client, {
    month: drop.month, dropPath: drop.dir, dropSha256: drop.sha256, requestedBy: 'ops',
    // 10 s, not 2: a retrain under a loaded machine (the suite on 2 cores) can go 2 s between heartbeats and time out
    // while alive; a killed worker is still noticed within 10 s.
    approvalTimeoutMs: 600_000, heartbeatTimeoutMs: 10_000,
  }, { rerun: true, taskQueue: t.taskQueue });
  return { runId, handle: t.client.workflow.getHandle(runId) };
}

async function waitFor(handle: ReturnType<typeof t.client.workflow.getHandle>, ok: (p: Awaited<ReturnType<typeof handle.query<any>>>) => boolean) {
  for (let i = 0; i < 1200; i++) {
    try {
      const p = await handle.query(progressQuery);
      if (ok(p)) return p;
    } catch {
      // no worker answers queries right now
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting for the run');
}

describe('a worker killed with SIGKILL mid-cycle', () => {
  it('is replaced, and the run completes with exactly the outputs of an uninterrupted run', async () => {
    const first = worker();
    const killed = await startRun();
    // Kill while a data stage is in flight.
    const at = await waitFor(killed.handle, (p) => p.stages.some((s: any) => s.name === 'ingest' && s.status === 'completed'));
    first.kill('SIGKILL');
    expect(at.status).toBe('running');

    // With no worker alive, `status` still tells how far the run got, from the stages' records in Postgres.
    const st = await acvloop(['status', killed.runId, '--json'], env);
    expect(st.code, st.stderr).toBe(0);
    const status = JSON.parse(st.stdout);
    expect(status).toMatchObject({ runId: killed.runId, month: drop.month, status: 'running' });
    expect(status.stages[0]).toMatchObject({ name: 'ingest', status: 'completed' });

    worker();
    await waitFor(killed.handle, (p) => p.status === 'awaiting_approval');

    // The uninterrupted run reaches the gate before either is approved, so both meet the same champion.
    const clean = await startRun();
    await waitFor(clean.handle, (p) => p.status === 'awaiting_approval');
    for (const r of [killed, clean]) {
      await decide(t.client, r.runId, { decision: 'approve', reviewer: 'rev' });
      expect((await r.handle.result()).status).toBe('completed');
    }

    const a = await outputsOf(db.db, killed.runId);
    const b = await outputsOf(db.db, clean.runId);
    expect(a.scores.length).toBeGreaterThan(0);
    expect(a).toEqual(b);

    // One batch for the drop, landed once: no duplicated raw or validated rows.
    const batches = await db.db.selectFrom('run_batches').select('batch_id').where('run_id', 'in', [killed.runId, clean.runId]).execute();
    expect(new Set(batches.map((x) => x.batch_id)).size).toBe(1);
    const raw = await db.db.selectFrom('raw_rows').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const read = await db.db.selectFrom('ingest_files').select((eb) => eb.fn.sum<string>('rows_read').as('n')).executeTakeFirstOrThrow();
    expect(Number(raw.n)).toBe(Number(read.n));
  }, 300_000);
});

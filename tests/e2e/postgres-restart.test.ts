import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, startEmbeddedPostgres, type EmbeddedPg } from '../../cli/infra/postgres';
import { decide, startCycle } from '../../temporal/client';
import { connect, type Db } from '../../sql/db';
import type { CycleProgress, StageName } from '../../workflows/messages';
import { progressQuery } from '../../workflows/messages';
import { acvloop, startWorkerProcess } from '../helpers/cli';
import { smallDrop } from '../helpers/drops';
import { outputsOf } from '../helpers/run-outputs';
import { connectTemporal, type TemporalHarness } from '../helpers/temporal';

/**
 * Postgres of its own (the shared one is never restarted), restarted with
 * `-m immediate` under a worker running a cycle: what a crash or a managed
 * failover does to the worker's connections.
 */
let pg: EmbeddedPg | undefined;
let port: number;
let url: string;
let db: Db | undefined;
let t: TemporalHarness;
let drop: Awaited<ReturnType<typeof smallDrop>>;
let env: NodeJS.ProcessEnv;
let worker: ChildProcess | undefined;
let workerErr = '';

beforeAll(async () => {
  port = await freePort();
  // The password startEmbeddedPostgres gives its server: the worker starts before the server does.
  url = `postgres://postgres:acvloop@127.0.0.1:${port}/postgres`;
  t = await connectTemporal('pgrestart');
  drop = await smallDrop({ seed: 11, accounts: 3000, months: 36 });
  env = { DATABASE_URL: url, ACVLOOP_SCHEMA: 'acvloop', TEMPORAL_ADDRESS: inject('temporalAddress'), ACVLOOP_TASK_QUEUE: t.taskQueue };
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  await db?.close();
  await t?.close();
  await pg?.stop();
  drop?.cleanup();
});

async function startRun() {
  const { runId } = await startCycle(t.client, {
    month: drop.month, dropPath: drop.dir, dropSha256: drop.sha256, requestedBy: 'ops',
    // Shorter than an outage: the wait for the database must heartbeat to outlast it.
    approvalTimeoutMs: 600_000, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
  }, { rerun: true, taskQueue: t.taskQueue });
  return { runId, handle: t.client.workflow.getHandle(runId) };
}

// 10 s, not 5: under the suite's two forks on 2 cores a live retrain can go 5 s between heartbeats and time out
// for reasons that are not the outage. The outage stays longer than the heartbeat timeout, so only the wait's
// heartbeats can keep an attempt alive through it.
const HEARTBEAT_TIMEOUT_MS = 10_000;
const DOWN_MS = 12_000;
/** TimeoutType.TIMEOUT_TYPE_HEARTBEAT in the history's failure. */
const HEARTBEAT_TIMEOUT_TYPE = 4;

type Handle = Awaited<ReturnType<typeof startRun>>['handle'];

async function waitFor(handle: Handle, ok: (p: CycleProgress) => boolean, what: string): Promise<CycleProgress> {
  const until = Date.now() + 90_000;
  while (Date.now() < until) {
    const p = await handle.query(progressQuery).catch(() => null);
    if (p && ok(p)) return p;
    if (p && p.status !== 'running' && p.status !== 'awaiting_approval') throw new Error(`the run ended ${p.status} while waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The activities that needed more than one attempt, and why their last failed attempt failed (from the run's history). */
async function retries(handle: Handle) {
  const events = (await handle.fetchHistory()).events ?? [];
  const typeOf = new Map<string, string>();
  const out: { activity: string; attempt: number; failure: string }[] = [];
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) typeOf.set(String(e.eventId), scheduled.activityType?.name ?? '?');
    const started = e.activityTaskStartedEventAttributes;
    if (started && (started.attempt ?? 1) > 1) {
      const f = started.lastFailure;
      out.push({ activity: typeOf.get(String(started.scheduledEventId)) ?? '?', attempt: started.attempt!,
        failure: f?.applicationFailureInfo?.type ?? (f?.timeoutFailureInfo ? `timeout ${f.timeoutFailureInfo.timeoutType}` : f?.message ?? '?') });
    }
  }
  return out;
}

const stageOf = (p: CycleProgress, name: StageName) => p.stages.find((s) => s.name === name)!;
const completed = (p: CycleProgress) => new Set(p.stages.filter((s) => s.status === 'completed').map((s) => s.name));

/**
 * Restarts Postgres while one of `stages` runs; returns the stage it hit and
 * how long after the restart began the run completed a stage it had not.
 */
async function restartDuring(handle: Handle, stages: StageName[], downMs: number) {
  const before = await waitFor(handle, (p) => stages.some((s) => stageOf(p, s).status === 'running'), `${stages.join(' or ')} to run`);
  const hit = stages.find((s) => stageOf(before, s).status === 'running')!;
  const done = completed(before);
  const began = Date.now();
  await pg!.restart({ downMs });
  const up = Date.now() - began;
  await waitFor(handle, (p) => [...completed(p)].some((s) => !done.has(s)), 'the run to move on');
  const movedOn = Date.now() - began;
  console.log(`restart during ${hit}: Postgres down ${(up / 1000).toFixed(1)} s; the run completed its next stage ${(movedOn / 1000).toFixed(1)} s after the restart began`);
  return { hit, up, movedOn };
}

describe('Postgres restarted (-m immediate) under a running cycle', () => {
  it('keeps the worker running, and the run reaches the gate with the outputs of an uninterrupted run', async () => {
    // Started before its database: the worker waits, saying for what, instead of exiting.
    worker = startWorkerProcess(env);
    worker.stderr!.on('data', (d) => { workerErr += d; });
    const waiting = new RegExp(`acvloop worker: waiting for the database at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`);
    await expect.poll(() => workerErr, { timeout: 20_000, interval: 100 }).toMatch(waiting);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(worker.exitCode).toBeNull();

    pg = await startEmbeddedPostgres({ dataDir: path.join(os.tmpdir(), `acvloop-restart-pg-${randomBytes(3).toString('hex')}`), port });
    expect(pg.url).toBe(url);
    await expect.poll(() => workerErr, { timeout: 60_000, interval: 100 }).toMatch(/acvloop worker polling/);
    db = connect({ url, schema: 'acvloop', log: () => {} });

    const hurt = await startRun();
    const data = await restartDuring(hurt.handle, ['ingest', 'validate'], DOWN_MS);
    const model = await restartDuring(hurt.handle, ['retrain', 'backtest'], DOWN_MS);
    expect(['ingest', 'validate']).toContain(data.hit);
    expect(['retrain', 'backtest']).toContain(model.hit);
    await waitFor(hurt.handle, (p) => p.status === 'awaiting_approval', 'the gate');
    expect(worker.exitCode).toBeNull();
    expect(worker.signalCode).toBeNull();
    // Each break was reported as such, and no connection's error went unowned (what crashed the worker before).
    expect(workerErr).toMatch(/lost the connection to the database at 127\.0\.0\.1:\d+/);
    expect(workerErr).toMatch(/the database at 127\.0\.0\.1:\d+ was unreachable \(.+\); it answers again after \d+ s, so the stage will be retried/);
    expect(workerErr).not.toMatch(/Emitted 'error' event|Unhandled 'error' event|uncaughtException/);
    // A retry follows the typed, retryable failure (the wait kept the attempt alive until the database answered), or
    // a heartbeat timeout: an attempt whose query never settles once its connection died without an error (seen as
    // the restart met a stage's first queries, cause not found) is given up by Temporal, and the worker lets it go
    // (activities/database-outage.ts untilGivenUp) so the retry gets the slot. At least one is the typed failure.
    const retried = await retries(hurt.handle);
    console.log(`retried: ${JSON.stringify(retried)}`);
    expect(retried.length).toBeGreaterThan(0);
    for (const r of retried) expect(['DatabaseUnavailable', `timeout ${HEARTBEAT_TIMEOUT_TYPE}`]).toContain(r.failure);
    expect(retried.some((r) => r.failure === 'DatabaseUnavailable')).toBe(true);
    const failures = await db.db.selectFrom('run_stage_events').select(['stage', 'error']).where('run_id', '=', hurt.runId).where('status', '=', 'failed').execute();
    for (const f of failures) expect(f.error).toMatch(/terminat|ECONNRE|not queryable|starting up|shutting down/i);

    // The uninterrupted run reaches the gate before either is approved, so both meet the same champion.
    const clean = await startRun();
    await waitFor(clean.handle, (p) => p.status === 'awaiting_approval', 'the clean run at the gate');
    for (const r of [hurt, clean]) {
      await decide(t.client, r.runId, { decision: 'approve', reviewer: 'rev' });
      expect((await r.handle.result()).status).toBe('completed');
    }
    const a = await outputsOf(db.db, hurt.runId);
    expect(a.scores.length).toBeGreaterThan(0);
    expect(a).toEqual(await outputsOf(db.db, clean.runId));
  }, 180_000);

  it('a command that cannot reach the database says so in one line and exits 1', async () => {
    const closed = await freePort();
    const r = await acvloop(['show', 'run-x'], { DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${closed}/acv`, ACVLOOP_SCHEMA: 'acvloop' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`acvloop: cannot reach the database at 127.0.0.1:${closed} (ECONNREFUSED)\n`);
  });
});

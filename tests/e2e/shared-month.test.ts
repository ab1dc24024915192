/**
 * Many workers share a month (issue 15): two `acvloop worker`s serve one
 * run, both take part (the history names both), the first is killed in the
 * middle of a scoring shard, the shard is taken again by the second, and
 * the run's outputs equal a run served by one worker alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../config/schema';
import { decide, startCycle } from '../../temporal/client';
import { progressQuery } from '../../workflows/messages';
import { ROOT } from '../helpers/cli';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { outputsOf } from '../helpers/run-outputs';
import { connectTemporal, type TemporalHarness } from '../helpers/temporal';

const BIN = path.join(ROOT, 'bin', 'acvloop.js');
const SHARDS = 12;
const HOST = os.hostname();
/** PendingActivityState.PENDING_ACTIVITY_STATE_STARTED: a worker holds the activity (a retry waiting for one keeps the last identity). */
const STARTED = 2;

let db: Awaited<ReturnType<typeof suiteDb>>;
let t: TemporalHarness;
let drop: Awaited<ReturnType<typeof smallDrop>>;
let env: NodeJS.ProcessEnv;
const launched: ChildProcess[] = [];

beforeAll(async () => {
  db = await suiteDb('shared');
  t = await connectTemporal('shared');
  drop = await smallDrop({ seed: 19, accounts: 3000, months: 36 });
  env = { ...process.env, DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema, TEMPORAL_ADDRESS: inject('temporalAddress'), ACVLOOP_TASK_QUEUE: t.taskQueue };
});

afterAll(async () => {
  for (const w of launched) if (w.pid) try { process.kill(-w.pid, 'SIGKILL'); } catch { /* gone */ }
  await t?.close();
  await db?.drop();
  drop?.cleanup();
});

interface Worker { launcher: ChildProcess; activitiesPid: number; identity: string }

/** `acvloop worker` as an operator starts it (its own process group); resolves once both its processes poll. */
function startWorker(): Promise<Worker> {
  const launcher = spawn(process.execPath, [BIN, 'worker'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  launched.push(launcher);
  let stderr = '';
  return new Promise((resolve, reject) => {
    launcher.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const activities = /acvloop worker polling activities .*; pid (\d+)/.exec(stderr);
      if (activities && /acvloop worker polling workflows /.test(stderr)) {
        const activitiesPid = Number(activities[1]);
        // The SDK's default identity: the process id at the host name.
        resolve({ launcher, activitiesPid, identity: `${activitiesPid}@${HOST}` });
      }
    });
    launcher.on('exit', (code, signal) => reject(new Error(`acvloop worker exited (${signal ?? code}) before polling: ${stderr}`)));
  });
}

async function startRun() {
  const { runId } = await startCycle(t.client, {
    month: drop.month, dropPath: drop.dir, dropSha256: drop.sha256, requestedBy: 'ops',
    config: { ...DEFAULT_CONFIG, scale: { scoreShards: SHARDS } },
    // A lost worker's shard is taken again within 10 s; a live one on a loaded machine still heartbeats in time.
    approvalTimeoutMs: 600_000, heartbeatTimeoutMs: 10_000,
  }, { rerun: true, taskQueue: t.taskQueue });
  return { runId, handle: t.client.workflow.getHandle(runId) };
}

async function untilStatus(handle: ReturnType<typeof t.client.workflow.getHandle>, status: string) {
  for (let i = 0; i < 2400; i++) {
    try {
      if ((await handle.query(progressQuery)).status === status) return;
    } catch {
      // no worker answers queries right now
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${status}`);
}

/** The identities that started the run's activities, as its history records them (each attempt that completed). */
async function activityIdentities(handle: ReturnType<typeof t.client.workflow.getHandle>) {
  const history = await handle.fetchHistory();
  const scheduled = new Map<string, string>();
  const started: { type: string; identity: string; attempt: number }[] = [];
  for (const e of history.events ?? []) {
    if (e.activityTaskScheduledEventAttributes) scheduled.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '');
    const s = e.activityTaskStartedEventAttributes;
    if (s) started.push({ type: scheduled.get(String(s.scheduledEventId)) ?? '', identity: s.identity ?? '', attempt: s.attempt ?? 1 });
  }
  return started;
}

/**
 * Stops `w` with SIGKILL while it runs a scoring shard: it is first frozen (SIGSTOP) when Temporal shows
 * it on a shard, and killed only if the shard is still its own and unfinished once frozen. Resolves with
 * the shard's activity id, once the worker has taken part in the run before (an activity of it completed).
 */
async function killMidShard(w: Worker, handle: ReturnType<typeof t.client.workflow.getHandle>): Promise<string> {
  const onShard = async () => (await handle.describe()).raw.pendingActivities?.find((a) =>
    a.activityType?.name === 'scoreShard' && a.lastWorkerIdentity === w.identity && Number(a.state) === STARTED);
  for (const end = Date.now() + 600_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    if (!(await onShard())) continue;
    process.kill(w.activitiesPid, 'SIGSTOP');
    const shard = await onShard();
    const tookPart = (await activityIdentities(handle)).some((s) => s.identity === w.identity);
    if (shard && tookPart) {
      process.kill(-w.launcher.pid!, 'SIGKILL');
      process.kill(w.activitiesPid, 'SIGKILL');
      return shard.activityId!;
    }
    process.kill(w.activitiesPid, 'SIGCONT');
  }
  throw new Error('the first worker never ran a scoring shard');
}

describe('two workers share one month', () => {
  it('both take part, one is killed mid-shard, and the outputs equal a one-worker run', async () => {
    const first = await startWorker();
    const second = await startWorker();
    const shared = await startRun();
    const killedShard = await killMidShard(first, shared.handle);
    await untilStatus(shared.handle, 'awaiting_approval');

    // The uninterrupted run, served by the second worker alone, reaches the gate before either is approved.
    const alone = await startRun();
    await untilStatus(alone.handle, 'awaiting_approval');
    for (const r of [shared, alone]) {
      await decide(t.client, r.runId, { decision: 'approve', reviewer: 'rev' });
      expect((await r.handle.result()).status).toBe('completed');
    }

    // Both workers started activities of the shared run; the killed shard completed on the second, on a later attempt.
    const started = await activityIdentities(shared.handle);
    expect(new Set(started.map((s) => s.identity))).toEqual(new Set([first.identity, second.identity]));
    expect(started.filter((s) => s.type === 'scoreShard').length).toBe(SHARDS);
    const history = await shared.handle.fetchHistory();
    const retried = history.events!.find((e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1
      && history.events!.some((s) => String(s.eventId) === String(e.activityTaskStartedEventAttributes!.scheduledEventId)
        && s.activityTaskScheduledEventAttributes?.activityId === killedShard));
    expect(retried?.activityTaskStartedEventAttributes?.identity).toBe(second.identity);

    // Every shard stored once, the killed one by the second worker.
    const shards = (await db.pool.query('select shard, worker, attempt from score_shards where run_id = $1 order by shard', [shared.runId])).rows;
    expect(shards.map((s) => s.shard)).toEqual(Array.from({ length: SHARDS }, (_, i) => i));
    expect(shards.some((s) => s.worker === second.identity && s.attempt > 1)).toBe(true);

    const a = await outputsOf(db.db, shared.runId);
    const b = await outputsOf(db.db, alone.runId);
    expect(a.scores.length).toBeGreaterThan(0);
    expect(a).toEqual(b);
  }, 600_000);
});

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { hashDrop } from '../../contracts/drop-hash';
import type { ScheduledRunReport } from '../../cli/commands/schedule';
import { lastBusinessDay, monthParts, runTimeFor, scheduleSpecFor } from '../../temporal/schedule-spec';
import { zonedTimeToUtc } from '../../lib/wall-clock';
import { decide, runIdFor } from '../../temporal/client';
import { generateDrop } from '../../generator';
import { DEFAULT_CONFIG } from '../../config/schema';
import { progressQuery } from '../../workflows/messages';
import type { ScheduledCycleMemo } from '../../workflows/scheduled-cycle';
import { acvloop } from '../helpers/cli';
import { suiteDb } from '../helpers/db';
import { connectTemporal, makeWorker, workflowBundle, type TemporalHarness } from '../helpers/temporal';

let db: Awaited<ReturnType<typeof suiteDb>>;
let t: TemporalHarness;
let worker: Worker;
let running: Promise<void>;
let root: string;
const sha: Record<string, string> = {};
const scheduleId = `test-schedule-${randomBytes(3).toString('hex')}`;
const lbdId = `${scheduleId}-lbd`;
const APPROVAL_TIMEOUT_MS = 90_000;

function writeConfig(name: string, schedule: Record<string, unknown>): string {
  const file = path.join(root, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({
    reviewers: [{ name: 'erin', roles: ['approver'] }],
    // One approver decides any run here, whatever its budget moves (the default asks two for a large move).
    approvals: { timeout: `${APPROVAL_TIMEOUT_MS / 1000}s`, required: 1, largeBudgetMove: { share: 1, required: 1 } },
    schedule: { id: scheduleId, dropPattern: path.join(root, 'drops', '{month}'), ...schedule },
  }));
  return file;
}

let config: string;
const sched = (args: string[], file = config) =>
  acvloop(['schedule', ...args, '--config', file, '--task-queue', t.taskQueue], { TEMPORAL_ADDRESS: t.address, DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema });

beforeAll(async () => {
  db = await suiteDb('schedule');
  t = await connectTemporal('schedule');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-schedule-'));
  // Two month folders under one pattern: the drop of a month ends with that month.
  for (const month of ['2026-08', '2026-09']) {
    const dir = path.join(root, 'drops', month);
    await generateDrop({ outDir: dir, seed: 7, accounts: 400, months: 30, end: month });
    sha[month] = (await hashDrop(dir)).sha256;
  }
  config = writeConfig('config', {});
  worker = await makeWorker(t, { db, codeVersion: 'test' });
  running = worker.run();
});

afterAll(async () => {
  for (const id of [scheduleId, lbdId]) await t?.client.schedule.getHandle(id).delete().catch(() => {});
  worker?.shutdown();
  await running;
  await t?.close();
  await db?.drop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/**
 * Waits, reading Temporal directly (cheap, no CLI process per poll), until the
 * schedule has taken `n` actions and every cycle they started is past
 * `beyond`; then returns what `acvloop schedule describe --json` says.
 */
async function until(n: number, beyond: string[], what: string, ms = 150_000): Promise<ScheduledRunReport[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const actions = (await t.client.schedule.getHandle(scheduleId).describe()).info.recentActions;
    const settled = actions.length === n && (await Promise.all(actions.map(async (a) => {
      const parent = await t.client.workflow.getHandle(a.action.workflow.workflowId).describe();
      if (parent.status.name !== 'RUNNING') return true;
      const runId = (parent.memo as ScheduledCycleMemo | undefined)?.runId;
      if (!runId) return false;
      const p = await t.client.workflow.getHandle(runId).query(progressQuery);
      return !beyond.includes(p.status);
    }))).every(Boolean);
    if (settled) return JSON.parse((await sched(['describe', '--json'])).stdout).recentRuns;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The first version of a month's run id that Temporal has never seen (checked by asking for each in turn). */
async function firstFreeVersion(month: string): Promise<number> {
  for (let v = 1; ; v++) {
    const seen = await t.client.workflow.getHandle(runIdFor(month, sha[month], v)).describe().then(() => true, () => false);
    if (!seen) return v;
  }
}

describe('acvloop schedule against a real Temporal dev server', () => {
  it('create is idempotent, and a changed config updates the schedule', async () => {
    const first = await sched(['create']);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(new RegExp(`created schedule ${scheduleId}: on day 1 of each month at 02:00 UTC`));
    const again = await sched(['create']);
    expect(again.stdout.trim()).toBe(`schedule ${scheduleId} exists, unchanged`);

    const later = writeConfig('later', { hour: 3 });
    const updated = await sched(['create', '--json'], later);
    expect(JSON.parse(updated.stdout)).toEqual({ scheduleId, outcome: 'updated', changed: ['calendar', 'config'] });
    const desc = JSON.parse((await sched(['describe', '--json'], later)).stdout);
    expect(desc.schedule.hour).toBe(3);
    // Next runs, as the server computes them: day 1 at 03:00 UTC, each for the month before.
    expect(desc.nextRuns.length).toBeGreaterThan(0);
    for (const n of desc.nextRuns) expect(n.at).toBe(runTimeFor(n.month, { ...DEFAULT_CONFIG.schedule, hour: 3 }).toISOString());
    expect(desc.nextRuns[0].at).toMatch(/-01T03:00:00\.000Z$/);

    expect((await sched(['create'])).stdout).toMatch(/updated schedule .*: calendar, config changed; now on day 1 of each month at 02:00 UTC/);
    const back = JSON.parse((await sched(['describe', '--json'])).stdout);
    expect(back).toMatchObject({ overlap: 'SKIP', catchupWindowMs: 30 * 86_400_000, workflowType: 'scheduledCycle', taskQueue: t.taskQueue, paused: false });
    expect(back.dropPattern).toBe(path.join(root, 'drops', '{month}'));
  });

  it('pause and unpause keep the reason as the note', async () => {
    expect((await sched(['pause', '--reason', 'audit freeze'])).code).toBe(0);
    let desc = JSON.parse((await sched(['describe', '--json'])).stdout);
    expect([desc.paused, desc.note]).toEqual([true, expect.stringMatching(/^paused by .+: audit freeze$/)]);
    // Creating again while paused leaves it paused.
    expect((await sched(['create'])).stdout).toMatch(/exists, unchanged/);
    expect((await sched(['unpause', '--reason', 'freeze over'])).code).toBe(0);
    desc = JSON.parse((await sched(['describe', '--json'])).stdout);
    expect([desc.paused, desc.note]).toEqual([false, expect.stringMatching(/^unpaused by .+: freeze over$/)]);
    const missing = await sched(['pause']);
    expect(missing.code).toBe(2);
    // Each change to the schedule is an audit entry: who, what, before -> after, why.
    const entries = await db.db.selectFrom('audit_log').select(['action', 'before', 'after', 'reason']).where('action', 'like', 'schedule.%').orderBy('id').execute();
    const paused = entries.filter((e) => e.action === 'schedule.paused' || e.action === 'schedule.unpaused');
    expect(paused.map((e) => [e.action, e.before, e.after, e.reason])).toEqual([
      ['schedule.paused', { scheduleId, paused: false }, { scheduleId, paused: true }, 'audit freeze'],
      ['schedule.unpaused', { scheduleId, paused: true }, { scheduleId, paused: false }, 'freeze over'],
    ]);
    expect(entries.map((e) => e.action)).toContain('schedule.created');
  });

  it('a backfill of two months runs two cycles, each on its month\'s drop, and describe follows them', async () => {
    // The drops are deterministic, so a dev server kept from an earlier test run already knows their version 1.
    const v = { '2026-08': await firstFreeVersion('2026-08'), '2026-09': await firstFreeVersion('2026-09') };
    const out = await sched(['backfill', '--from', '2026-08', '--to', '2026-09', '--json']);
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout).months).toEqual([
      { month: '2026-08', runAt: '2026-09-01T02:00:00.000Z' },
      { month: '2026-09', runAt: '2026-10-01T02:00:00.000Z' },
    ]);
    const runs = await until(2, ['running'], 'two cycles at the gate');
    expect(runs.map((r) => r.status)).toEqual(['awaiting_approval', 'awaiting_approval']);
    // Newest first; the run ids are the ones `acvloop run` gives the same month and drop.
    expect(runs.map((r) => [r.month, r.scheduledAt, r.runId])).toEqual([
      ['2026-09', '2026-10-01T02:00:00.000Z', runIdFor('2026-09', sha['2026-09'], v['2026-09'])],
      ['2026-08', '2026-09-01T02:00:00.000Z', runIdFor('2026-08', sha['2026-08'], v['2026-08'])],
    ]);
    const rows = await db.db.selectFrom('runs').select(['run_id', 'month', 'drop_path', 'version', 'requested_by'])
      .where('run_id', 'in', runs.map((r) => r.runId!)).orderBy('month').execute();
    expect(rows).toEqual(['2026-08', '2026-09'].map((month) => ({
      run_id: runIdFor(month, sha[month], v[month as '2026-08']), month, drop_path: path.join(root, 'drops', month), version: v[month as '2026-08'], requested_by: 'schedule',
    })));
    // The config's approval timeout reached the cycle: its gate deadline is that long after the gate opened.
    const progress = await t.client.workflow.getHandle(runs[0].runId!).query(progressQuery);
    const gate = progress.stages.find((s) => s.name === 'approval')!;
    expect(Date.parse(progress.approvalDeadline!) - Date.parse(gate.startedAt!)).toBe(APPROVAL_TIMEOUT_MS);

    // While a month's scheduled run waits at the gate, backfilling that month again is refused, not silently skipped.
    const twice = await sched(['backfill', '--from', '2026-08', '--to', '2026-08']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`the cycle of 2026-08 this schedule started (${scheduleId}-2026-09-01T02:00:00Z) is still running`);

    await decide(t.client, runs[0].runId!, { decision: 'approve', reviewer: 'erin', reason: 'numbers reconcile' });
    await decide(t.client, runs[1].runId!, { decision: 'reject', reviewer: 'erin', reason: 'drop arrived late' });
    const ended = await until(2, ['running', 'awaiting_approval'], 'both decided');
    expect(ended.map((r) => r.status)).toEqual(['completed', 'rejected']);

    const text = (await sched(['describe'])).stdout;
    expect(text).toContain(`${runs[0].runId}  completed`);
    expect(text).toContain(`${runs[1].runId}  rejected`);
    expect(text).toMatch(/missed \(outside the catch-up window\): 0; skipped \(overlap\): 0; failed: 0/);

    // The scheduled workflow's recorded histories replay on this code (no non-determinism).
    for (const r of ended) {
      const history = await t.client.workflow.getHandle(r.workflowId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, r.workflowId);
    }
  }, 300_000);

  it('a month run again takes the next free version', async () => {
    const next = await firstFreeVersion('2026-08');
    expect(next).toBeGreaterThan(1);
    expect((await sched(['backfill', '--from', '2026-08', '--to', '2026-08'])).stdout).toMatch(/backfilled 1 cycle of schedule/);
    const runs = await until(3, ['running'], 'the second version at the gate');
    expect(runs[0].status).toBe('awaiting_approval');
    expect(runs[0].runId).toBe(runIdFor('2026-08', sha['2026-08'], next));
    // Terminating the scheduled workflow leaves its cycle waiting at the gate (parent close policy ABANDON).
    await t.client.workflow.getHandle(runs[0].workflowId).terminate('test: the scheduled workflow goes away');
    const orphan = JSON.parse((await sched(['describe', '--json'])).stdout).recentRuns[0];
    expect(orphan).toMatchObject({ runId: runs[0].runId, status: 'awaiting_approval', error: 'the scheduled workflow was terminated' });
    await decide(t.client, runs[0].runId!, { decision: 'reject', reviewer: 'erin', reason: 'a re-run for the test' });
    expect((await t.client.workflow.getHandle(runs[0].runId!).result()).status).toBe('rejected');
    expect(JSON.parse((await sched(['describe', '--json'])).stdout).recentRuns[0].status).toBe('rejected');
  }, 240_000);

  it('a missing drop fails the scheduled run at once, naming the folder', async () => {
    await sched(['backfill', '--from', '2026-07', '--to', '2026-07']);
    const runs = await until(4, ['running', 'awaiting_approval'], 'the missing drop to fail', 60_000);
    expect(runs[0].status).toBe('failed');
    const folder = path.join(root, 'drops', '2026-07');
    expect(runs[0]).toMatchObject({ month: '2026-07', runId: null });
    expect(runs[0].error).toBe(`no drop for 2026-07: the folder ${folder} (schedule.dropPattern ${path.join(root, 'drops', '{month}')}) does not exist`);
    // Not retried: one attempt of the activity in the scheduled workflow's history.
    const history = await t.client.workflow.getHandle(runs[0].workflowId).fetchHistory();
    expect(history.events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
    expect((await sched(['describe'])).stdout).toMatch(/2026-07  —  failed: no drop for 2026-07[^\n]*\n[\s\S]*failed: 1$/m);
  });

  it('scheduledCycle started by hand (no scheduled time) fails and says what to use instead', async () => {
    const handle = await t.client.workflow.start('scheduledCycle', {
      taskQueue: t.taskQueue, workflowId: `${scheduleId}-by-hand`,
      args: [{ dropPattern: path.join(root, 'drops', '{month}'), config: DEFAULT_CONFIG, requestedBy: 'schedule' }],
    });
    await expect(handle.result()).rejects.toMatchObject({
      cause: { type: 'NotScheduled', message: expect.stringMatching(/runs from a schedule .*start a month by hand with `acvloop run`/) },
    });
  });

  it('refuses to backfill a month whose run time has not come', async () => {
    const now = new Date();
    const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const out = await sched(['backfill', '--from', month, '--to', month]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`acvloop: the cycle of ${month} is not due until ${runTimeFor(month, DEFAULT_CONFIG.schedule).toISOString()}`);
  });

  it('the last-business-day calendars fire where the server says, leap Februaries included', async () => {
    const s = { ...DEFAULT_CONFIG.schedule, id: lbdId, dayOfMonth: 'last-business-day' as const, hour: 18, timeZone: 'America/New_York' };
    const file = writeConfig('lbd', { id: lbdId, dayOfMonth: s.dayOfMonth, hour: s.hour, timeZone: s.timeZone });
    expect((await sched(['create'], file)).stdout).toMatch(/on the last business day \(Monday-Friday\) of each month at 18:00 America\/New_York/);
    const desc = JSON.parse((await sched(['describe', '--json'], file)).stdout);
    expect(desc.nextRuns.length).toBeGreaterThanOrEqual(3);
    for (const n of desc.nextRuns) expect(n.at).toBe(runTimeFor(n.month, s).toISOString());
    expect((await sched(['delete'], file)).stdout).toMatch(/deleted schedule/);

    // The same calendars from December 2027 on, straight through the SDK: the server's times cross February 2028 (29 days).
    const handle = await t.client.schedule.create({
      scheduleId: lbdId, spec: { ...scheduleSpecFor(s), startAt: new Date('2027-12-01T00:00:00Z') },
      action: { type: 'startWorkflow', workflowType: 'scheduledCycle', taskQueue: t.taskQueue, args: [] },
    });
    const times = (await handle.describe()).info.nextActionTimes.map((d) => d.toISOString());
    const expected = ['2027-12', '2028-01', '2028-02', '2028-03', '2028-04'].map((m) => {
      const { year, month } = monthParts(m);
      return zonedTimeToUtc({ year, month, day: Number(lastBusinessDay(m).slice(8)), hour: 18, minute: 0 }, s.timeZone).toISOString();
    });
    expect(times.slice(0, 5)).toEqual(expected);
    expect(expected[2]).toBe('2028-02-29T23:00:00.000Z'); // a Tuesday; 18:00 EST
    await handle.delete();
  });

  it('delete removes the schedule', async () => {
    expect((await sched(['delete'])).stdout.trim()).toBe(`deleted schedule ${scheduleId} (runs it started go on)`);
    const gone = await sched(['describe']);
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe(`acvloop: no schedule ${scheduleId}; create it with \`acvloop schedule create\``);
  });
});

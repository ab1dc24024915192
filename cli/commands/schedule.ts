import os from 'node:os';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Client, ScheduleDescription, ScheduleExecutionResult, ScheduleOptions } from '@temporalio/client';
import { parseDuration } from '../../lib/duration';
import type { AcvloopConfig } from '../../config/schema';
import type { ScheduledCycleInput, ScheduledCycleMemo, ScheduledCycleResult } from '../../workflows/scheduled-cycle';
import { TASK_QUEUE } from '../../temporal/task-queues';
import { printJson, say } from '../output';
import { parseMonth } from '../parse';
import {
  backfillWindow, describeWhen, monthsFromTo, runTimeFor, scheduleSpecFor, type ScheduleConfig,
} from '../../temporal/schedule-spec';
import { monthOfScheduledTime } from '../../lib/wall-clock';

// main.ts registers this file's commands on every start: the Temporal client (most of a
// second to load) is required on first use instead, as main.ts's own commands are.
const sdk = () => require('@temporalio/client') as typeof import('@temporalio/client');
// Not in the package's index: the SDK's own calendar coding, to compare what the server holds with what we would send.
const calendarCoding = () => require('@temporalio/client/lib/schedule-helpers') as typeof import('@temporalio/client/lib/schedule-helpers');
const cycleClient = () => require('../../temporal/client') as typeof import('../../temporal/client');
// Loaded on use, as the client is: registering the command (also for `acvloop --help`) does not load the config schema.
const configLoader = () => require('../../config/load') as typeof import('../../config/load');

interface CommonOptions { config?: string; taskQueue: string; json?: boolean }

/** `acvloop schedule create|describe|pause|unpause|delete|backfill`. */
export function scheduleCommand(program: Command): void {
  const schedule = program.command('schedule')
    .description('the Temporal Schedule that starts the monthly cycle (id, day, time and drop folder from the config\'s `schedule` section)');
  const common = (c: Command) => c
    .option('--config <file>', 'the operator config (default: ACVLOOP_CONFIG, else the defaults)')
    // Advanced: which task queue the scheduled runs go to (tests give each schedule its own).
    .addOption(new Option('--task-queue <name>', 'task queue of the scheduled runs').default(TASK_QUEUE).hideHelp())
    .option('--json', 'print JSON');

  common(schedule.command('create').description('create the schedule, or update it when the config changed (says which)'))
    .action((o: CommonOptions) => createSchedule(o));
  common(schedule.command('describe').description('spec, paused state and note, recent runs with their status, next run times, missed and failed runs'))
    .action((o: CommonOptions) => describeSchedule(o));
  common(schedule.command('pause').description('stop starting runs (runs already started go on)'))
    .requiredOption('--reason <text>', 'why: kept as the schedule\'s note')
    .action((o: CommonOptions & { reason: string }) => pauseSchedule(o, true));
  common(schedule.command('unpause').description('start runs again at the next scheduled time'))
    .requiredOption('--reason <text>', 'why: kept as the schedule\'s note')
    .action((o: CommonOptions & { reason: string }) => pauseSchedule(o, false));
  common(schedule.command('delete').description('remove the schedule (runs it started are not touched)'))
    .action((o: CommonOptions) => deleteSchedule(o));
  common(schedule.command('backfill').description('start the cycles of months FROM..TO now, as the schedule would have (one per month)'))
    .requiredOption('--from <YYYY-MM>', 'first month whose cycle to run')
    .requiredOption('--to <YYYY-MM>', 'last month whose cycle to run')
    .action((o: CommonOptions & { from: string; to: string }) => backfillSchedule(o));
}

/** The config, read before the Temporal client connects (its schema checks the time zone and the {month} in the pattern). */
function scheduleConfig(file: string | undefined): AcvloopConfig {
  const { source: _source, ...config } = configLoader().loadConfig(file);
  return config;
}

/** What the schedule should be: the drop pattern made absolute here, where the operator ran the command. */
export function desiredSchedule(config: AcvloopConfig, taskQueue: string): ScheduleOptions {
  const s = config.schedule;
  const input: ScheduledCycleInput = {
    dropPattern: path.resolve(s.dropPattern),
    config: { ...config, schedule: { ...s, dropPattern: path.resolve(s.dropPattern) } },
    requestedBy: 'schedule',
  };
  return {
    scheduleId: s.id,
    spec: scheduleSpecFor(s),
    // Each run's workflow id is this plus its scheduled time (Temporal appends it).
    action: { type: 'startWorkflow', workflowType: 'scheduledCycle', workflowId: s.id, taskQueue, args: [input] },
    // SKIP: a month still running (at its gate) when the next is due keeps the next from piling up behind it.
    policies: { overlap: sdk().ScheduleOverlapPolicy.SKIP, catchupWindow: parseDuration(s.catchupWindow, 'schedule.catchupWindow') },
    state: { note: `created by ${whoAmI()} with acvloop schedule create` },
  };
}

/** Which parts of a described schedule differ from the desired one (empty: the same). */
export function scheduleDifferences(existing: ScheduleDescription, desired: ScheduleOptions): string[] {
  const normalCalendars = (cs: unknown) => canonical((cs as any[] ?? []).map(({ comment: _c, ...rest }) => rest));
  const want = calendarCoding().decodeOptionalStructuredCalendarSpecs(calendarCoding().encodeOptionalStructuredCalendarSpecs(desired.spec.calendars));
  const changed: string[] = [];
  if (normalCalendars(existing.spec.calendars) !== normalCalendars(want)) changed.push('calendar');
  if ((existing.spec.timezone || 'UTC') !== (desired.spec.timezone || 'UTC')) changed.push('time zone');
  if (existing.policies.overlap !== desired.policies?.overlap) changed.push('overlap policy');
  if (existing.policies.catchupWindow !== desired.policies?.catchupWindow) changed.push('catch-up window');
  if (existing.action.workflowType !== desired.action.workflowType) changed.push('workflow type');
  if (existing.action.taskQueue !== desired.action.taskQueue) changed.push('task queue');
  if (existing.action.workflowId !== desired.action.workflowId) changed.push('workflow id');
  const [had] = (existing.action.args ?? []) as ScheduledCycleInput[];
  const [want0] = (desired.action.args ?? []) as ScheduledCycleInput[];
  if (had?.dropPattern !== want0.dropPattern) changed.push('drop pattern');
  if (canonical(had?.config) !== canonical(want0.config)) changed.push('config');
  return changed;
}

async function createSchedule(o: CommonOptions): Promise<void> {
  const config = scheduleConfig(o.config);
  const desired = desiredSchedule(config, o.taskQueue);
  await withClient(async (client) => {
    const handle = client.schedule.getHandle(desired.scheduleId);
    let existing = await describeOrNull(client, desired.scheduleId);
    if (!existing) {
      try {
        await client.schedule.create(desired);
        await auditSchedule('schedule.created', desired.scheduleId, null, { when: describeWhen(config.schedule), dropPattern: (desired.action.args![0] as ScheduledCycleInput).dropPattern }, null);
        report(o, { scheduleId: desired.scheduleId, outcome: 'created', changed: [] },
          `created schedule ${desired.scheduleId}: ${describeWhen(config.schedule)}, drops from ${(desired.action.args![0] as ScheduledCycleInput).dropPattern}`);
        return;
      } catch (err) {
        if (!(err instanceof sdk().ScheduleAlreadyRunning)) throw err;
        existing = await handle.describe(); // created meanwhile by someone else: compare with theirs
      }
    }
    const changed = scheduleDifferences(existing, desired);
    if (changed.length === 0) {
      report(o, { scheduleId: desired.scheduleId, outcome: 'unchanged', changed }, `schedule ${desired.scheduleId} exists, unchanged`);
      return;
    }
    await handle.update((prev) => ({
      spec: desired.spec, action: desired.action, policies: desired.policies,
      // Updating the spec must not unpause a paused schedule or drop its note.
      state: { paused: prev.state.paused, note: prev.state.note, remainingActions: prev.state.remainingActions },
    }));
    await auditSchedule('schedule.updated', desired.scheduleId, { changed }, { when: describeWhen(config.schedule) }, `${changed.join(', ')} changed`);
    report(o, { scheduleId: desired.scheduleId, outcome: 'updated', changed },
      `updated schedule ${desired.scheduleId}: ${changed.join(', ')} changed; now ${describeWhen(config.schedule)}`);
  });
}

async function pauseSchedule(o: CommonOptions & { reason: string }, pause: boolean): Promise<void> {
  const id = scheduleConfig(o.config).schedule.id;
  if (!o.reason.trim()) throw new Error(`--reason must say why the schedule is ${pause ? 'paused' : 'unpaused'}`);
  await withClient(async (client) => {
    await mustDescribe(client, id);
    const note = `${pause ? 'paused' : 'unpaused'} by ${whoAmI()}: ${o.reason.trim()}`;
    const handle = client.schedule.getHandle(id);
    if (pause) await handle.pause(note);
    else await handle.unpause(note);
    await auditSchedule(pause ? 'schedule.paused' : 'schedule.unpaused', id, { paused: !pause }, { paused: pause }, o.reason.trim());
    report(o, { scheduleId: id, paused: pause, note }, `schedule ${id} ${note}`);
  });
}

async function deleteSchedule(o: CommonOptions): Promise<void> {
  const id = scheduleConfig(o.config).schedule.id;
  await withClient(async (client) => {
    await mustDescribe(client, id);
    await client.schedule.getHandle(id).delete();
    await auditSchedule('schedule.deleted', id, { exists: true }, { exists: false }, null);
    report(o, { scheduleId: id, deleted: true }, `deleted schedule ${id} (runs it started go on)`);
  });
}

async function backfillSchedule(o: CommonOptions & { from: string; to: string }): Promise<void> {
  const from = parseMonth(o.from, '--from');
  const to = parseMonth(o.to, '--to');
  const id = scheduleConfig(o.config).schedule.id;
  await withClient(async (client) => {
    const desc = await mustDescribe(client, id);
    // The schedule's own times, from the config it holds (the local file may have changed since).
    const held = heldSchedule(desc);
    const window = backfillWindow(from, to, held);
    const months = monthsFromTo(from, to).map((month) => ({ month, runAt: runTimeFor(month, held).toISOString() }));
    const early = months.find((m) => Date.parse(m.runAt) > Date.now());
    if (early) throw new Error(`the cycle of ${early.month} is not due until ${early.runAt}; backfill takes months whose run time has passed`);
    // A month's scheduled workflow has a fixed id (the action's id plus the nominal time): while one
    // is still open (its cycle at the gate), Temporal cannot start that month again and would skip it.
    const actionId = desc.action.workflowId ?? id;
    for (const m of months) {
      const workflowId = `${actionId}-${m.runAt.replace(/\.000Z$/, 'Z')}`;
      const open = await client.workflow.getHandle(workflowId).describe().then((d) => d.status.name === 'RUNNING', () => false);
      if (open) {
        throw new Error(`the cycle of ${m.month} this schedule started (${workflowId}) is still running; ` +
          'decide or end its run first (`acvloop schedule describe` names it)');
      }
    }
    // ALLOW_ALL: every month of the range starts, even while an earlier one is still running.
    await client.schedule.getHandle(id).backfill({ start: window.start, end: window.end, overlap: sdk().ScheduleOverlapPolicy.ALLOW_ALL });
    await auditSchedule('schedule.backfilled', id, null, { months: months.map((m) => m.month) }, null);
    report(o, { scheduleId: id, months, window: { start: window.start.toISOString(), end: window.end.toISOString() } },
      [`backfilled ${months.length} cycle${months.length === 1 ? '' : 's'} of schedule ${id}:`,
        ...months.map((m) => `  ${m.month}  (as scheduled at ${m.runAt})`),
        `follow them with \`acvloop schedule describe\``].join('\n'));
  });
}

export interface ScheduledRunReport {
  scheduledAt: string;
  takenAt: string;
  workflowId: string;
  month: string;
  runId: string | null;
  /** The cycle's status (running, awaiting_approval, completed, rejected, expired, failed), or the scheduled workflow's own (starting, terminated, …). */
  status: string;
  error?: string;
}

/** What `describe` prints: the schedule as the server holds it, with each recent run's status read from its workflows. */
export async function scheduleReport(client: Client, id: string) {
  const desc = await mustDescribe(client, id);
  const held = heldSchedule(desc);
  const input = (desc.action.args?.[0] ?? {}) as Partial<ScheduledCycleInput>;
  const runs: ScheduledRunReport[] = [];
  for (const r of [...desc.info.recentActions].reverse()) runs.push(await scheduledRun(client, r, held.timeZone));
  return {
    scheduleId: id,
    paused: desc.state.paused,
    note: desc.state.note ?? null,
    when: describeWhen(held),
    schedule: { dayOfMonth: held.dayOfMonth, hour: held.hour, minute: held.minute, timeZone: held.timeZone, catchupWindow: held.catchupWindow },
    calendars: desc.spec.calendars ?? [],
    overlap: desc.policies.overlap,
    catchupWindowMs: desc.policies.catchupWindow,
    workflowType: desc.action.workflowType,
    taskQueue: desc.action.taskQueue,
    dropPattern: input.dropPattern ?? null,
    nextRuns: desc.info.nextActionTimes.map((t) => ({ at: t.toISOString(), month: monthOfScheduledTime(t, held.timeZone) })),
    recentRuns: runs,
    actionsTaken: desc.info.numActionsTaken,
    missedCatchupWindow: desc.info.numActionsMissedCatchupWindow,
    skippedOverlap: desc.info.numActionsSkippedOverlap,
    failed: runs.filter((r) => r.status === 'failed').length,
  };
}

async function describeSchedule(o: CommonOptions): Promise<void> {
  const id = scheduleConfig(o.config).schedule.id;
  await withClient(async (client) => {
    const out = await scheduleReport(client, id);
    if (o.json) return printJson(out);
    say(`schedule ${id}: ${out.paused ? 'PAUSED' : 'active'}${out.note ? ` (note: ${out.note})` : ''}`);
    say(`  runs ${out.when}, for the month before; overlap ${out.overlap}, catch-up window ${out.schedule.catchupWindow}`);
    say(`  starts ${out.workflowType} on task queue ${out.taskQueue}, drops from ${out.dropPattern}`);
    say(`  next runs: ${out.nextRuns.slice(0, 3).map((n) => `${n.at} (${n.month})`).join(', ') || 'none'}`);
    say(`  recent runs (${out.recentRuns.length}, newest first):`);
    for (const r of out.recentRuns) say(`    ${r.scheduledAt}  ${r.month}  ${r.runId ?? '—'}  ${r.status}${r.error ? `: ${r.error}` : ''}`);
    say(`  missed (outside the catch-up window): ${out.missedCatchupWindow}; skipped (overlap): ${out.skippedOverlap}; failed: ${out.failed}`);
  });
}

/** The status of one run the schedule started: the cycle's, once the scheduled workflow has started it. */
async function scheduledRun(client: Client, r: ScheduleExecutionResult, timeZone: string): Promise<ScheduledRunReport> {
  const { workflowId, firstExecutionRunId } = r.action.workflow;
  const base = {
    scheduledAt: r.scheduledAt.toISOString(), takenAt: r.takenAt.toISOString(), workflowId,
    month: monthOfScheduledTime(r.scheduledAt, timeZone), runId: null as string | null,
  };
  const handle = client.workflow.getHandle<(i: ScheduledCycleInput) => Promise<ScheduledCycleResult>>(workflowId, firstExecutionRunId);
  let desc;
  try {
    desc = await handle.describe();
  } catch (err) {
    if (err instanceof sdk().WorkflowNotFoundError) return { ...base, status: 'unknown', error: 'its history is past the namespace retention' };
    throw err;
  }
  const memo = (desc.memo ?? {}) as ScheduledCycleMemo;
  const report = { ...base, month: memo.month ?? base.month, runId: memo.runId ?? null };
  const cycle = async () => (report.runId ? cycleClient().runState(client, report.runId) : null);
  switch (desc.status.name) {
    case 'RUNNING': {
      const state = await cycle();
      if (!state) return { ...report, status: 'starting' };
      // Without a worker to answer the query, Temporal only knows the cycle is open (it may be at the gate).
      const error = state.error ?? (state.live ? undefined : 'no worker answered: open, stage unknown');
      return { ...report, status: state.status, ...(error ? { error } : {}) };
    }
    case 'COMPLETED': {
      const result = await handle.result();
      return { ...report, runId: result.runId, status: result.status };
    }
    case 'FAILED':
      try {
        await handle.result();
        return { ...report, status: 'failed' };
      } catch (err) {
        return { ...report, status: 'failed', error: innermost(err) };
      }
    default: {
      // Terminated, cancelled or timed out: the cycle (abandoned, not killed) may still be going.
      const state = await cycle();
      const own = desc.status.name.toLowerCase();
      return { ...report, status: state ? state.status : own, error: `the scheduled workflow was ${own}` };
    }
  }
}

/** The schedule section the schedule was created with (in its action's input). */
function heldSchedule(desc: ScheduleDescription): ScheduleConfig {
  const input = desc.action.args?.[0] as Partial<ScheduledCycleInput> | undefined;
  const s = input?.config?.schedule;
  if (!s) throw new Error(`schedule ${desc.scheduleId} was not created by acvloop (its action holds no config); delete and create it again`);
  return s;
}

async function describeOrNull(client: Client, id: string): Promise<ScheduleDescription | null> {
  try {
    return await client.schedule.getHandle(id).describe();
  } catch (err) {
    if (err instanceof sdk().ScheduleNotFoundError) return null;
    throw err;
  }
}

async function mustDescribe(client: Client, id: string): Promise<ScheduleDescription> {
  const desc = await describeOrNull(client, id);
  if (!desc) throw new Error(`no schedule ${id}; create it with \`acvloop schedule create\``);
  return desc;
}

async function withClient(body: (client: Client) => Promise<void>): Promise<void> {
  const { connectClient, temporalFromEnv } = cycleClient();
  const client = await connectClient(temporalFromEnv());
  try {
    await body(client);
  } finally {
    await client.connection.close();
  }
}

/**
 * With DATABASE_URL set, every change to the schedule is an audit entry
 * (who, what, before -> after, why); the server's own note keeps the last one.
 */
async function auditSchedule(action: string, scheduleId: string, before: unknown, after: unknown, reason: string | null): Promise<void> {
  const { dbOptionsFromEnv } = require('../../sql/db') as typeof import('../../sql/db');
  if (!dbOptionsFromEnv()) return;
  const { writeAudit } = require('../../store/audit-log') as typeof import('../../store/audit-log');
  const handle = await (require('../env') as typeof import('../env')).openDb();
  try {
    await writeAudit(handle.pool, { actor: whoAmI(), action, runId: null, before: before === null ? undefined : { scheduleId, ...(before as object) },
      after: { scheduleId, ...(after as object) }, reason });
  } finally {
    await handle.close();
  }
}

function report(o: { json?: boolean }, json: unknown, text: string): void {
  if (o.json) printJson(json);
  else say(text);
}

function whoAmI(): string {
  try {
    return process.env.USER || os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The deepest cause's message: the words the activity or the cycle failed with. */
function innermost(err: unknown): string {
  let e: any = err;
  while (e?.cause) e = e.cause;
  return e?.message ?? String(err);
}

/** JSON with sorted keys and no undefined, for comparing what the server gives back with what we send. */
function canonical(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(norm);
    if (x && typeof x === 'object' && !(x instanceof Date)) {
      return Object.fromEntries(Object.keys(x).sort().filter((k) => (x as any)[k] !== undefined).map((k) => [k, norm((x as any)[k])]));
    }
    return x;
  };
  return JSON.stringify(norm(v));
}

import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { isDatabaseUnavailable, unavailableReason } from '../sql/outage';
import type { ActivityDeps } from './context';

/** The failure type of an activity that lost the database: retried by the workflow's policy, never a business error. */
export const DATABASE_UNAVAILABLE = 'DatabaseUnavailable';

export interface OutageWait {
  /** Longest wait for the database within one attempt. */
  maxWaitMs: number;
  /** Time between two `select 1`. */
  pollMs: number;
}

// A managed failover takes a minute or more; an attempt waits up to this long, then its retry waits again.
const DEFAULT_WAIT: OutageWait = { maxWaitMs: 5 * 60_000, pollMs: 1_000 };

type ActivityFn = (...args: any[]) => Promise<unknown>;

/**
 * Wraps each activity so that losing the database fails it as a retryable
 * `DatabaseUnavailable`, saying so, and only after the database answers
 * again (or the wait's bound passes): the workflow's retry policy has few
 * attempts and short backoffs, which a failover would use up in seconds if
 * each attempt failed at once. The wait heartbeats and ends well inside the
 * attempt's start-to-close timeout. Activities are idempotent (keyed by run
 * id), so the retry redoes the attempt harmlessly.
 */
export function retryOnDatabaseOutage<A extends Record<string, ActivityFn>>(
  deps: Pick<ActivityDeps, 'db' | 'log'>, activities: A, wait: OutageWait = DEFAULT_WAIT,
): A {
  const wrapped: Record<string, ActivityFn> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args) => {
      try {
        return await untilGivenUp(fn(...args));
      } catch (err) {
        // An ApplicationFailure is the activity's own verdict (e.g. a rejected drop): never second-guessed.
        if (err instanceof ApplicationFailure || !isDatabaseUnavailable(err)) throw err;
        throw await databaseUnavailable(deps, err, wait);
      }
    };
  }
  return wrapped as A;
}

async function databaseUnavailable(deps: Pick<ActivityDeps, 'db' | 'log'>, err: unknown, wait: OutageWait): Promise<ApplicationFailure> {
  const { address } = deps.db;
  const reason = unavailableReason(err);
  const started = Date.now();
  const answered = await untilDatabaseAnswers(deps, waitDeadline(started, wait.maxWaitMs), wait.pollMs);
  const waited = `${Math.round((Date.now() - started) / 1000)} s`;
  const message = answered
    ? `the database at ${address} was unreachable (${reason}); it answers again after ${waited}, so the stage will be retried`
    : `the database at ${address} is unreachable (${reason}); the stage will be retried once it answers (waited ${waited})`;
  deps.log?.(`acvloop: ${activityName()}: ${message}`);
  return ApplicationFailure.create({ type: DATABASE_UNAVAILABLE, message, nonRetryable: false, cause: err instanceof Error ? err : undefined });
}

/** Polls `select 1` until it answers (true) or the deadline passes or the activity is cancelled (false), heartbeating meanwhile. */
async function untilDatabaseAnswers(deps: Pick<ActivityDeps, 'db'>, deadline: number, pollMs: number): Promise<boolean> {
  const signal = cancellation();
  // Also while a ping hangs on a server that accepts nothing: the attempt must not look dead to Temporal.
  const beat = setInterval(heartbeat, Math.min(pollMs, 1_000));
  try {
    for (;;) {
      heartbeat();
      try {
        await deps.db.ping();
        return true;
      } catch {
        // still down
      }
      if (Date.now() + pollMs >= deadline || signal?.aborted) return false;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    clearInterval(beat);
  }
}

/**
 * When the wait must end: after `maxWaitMs`, and in an activity no later than
 * three quarters into the attempt's start-to-close timeout, so the attempt
 * still ends by itself with the failure that says why.
 */
function waitDeadline(now: number, maxWaitMs: number): number {
  const info = activityContext()?.info;
  if (!info) return now + maxWaitMs;
  return Math.min(now + maxWaitMs, info.currentAttemptScheduledTimestampMs + info.startToCloseTimeoutMs * 0.75);
}

function heartbeat(): void {
  activityContext()?.heartbeat();
}

/**
 * The attempt's work, or its end once Temporal has given the attempt up
 * (its heartbeat timed out, or its run closed). Work that waits on a
 * connection that died without a word never settles: the attempt would keep
 * the worker's only activity slot, and its retry could never start (seen
 * with Postgres restarted as a stage began). A worker shutting down or a
 * cancellation asked by the run lets the work finish, as before.
 */
function untilGivenUp<T>(work: Promise<T>): Promise<T> {
  const signal = cancellation();
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      const why = (signal.reason as Error | undefined)?.message;
      if (why === 'TIMED_OUT' || why === 'NOT_FOUND') reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function cancellation(): AbortSignal | undefined {
  return activityContext()?.cancellationSignal;
}

function activityName(): string {
  return activityContext()?.info.activityType ?? 'activity';
}

/** The running activity's context, or null outside an activity (the wrapper called directly). */
function activityContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null;
  }
}

import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import { TASK_QUEUE } from './task-queues';
import { runIdFor } from '../workflows/run-id';
import { writeAudit } from '../store/audit-log';
import { runExists } from '../store/runs';
import type { Db } from '../sql/db';
import {
  CycleInput, CycleProgress, DecisionInput, DecisionRecord, RunStatus, decideUpdate, progressQuery, refuseDecision, CYCLE_STAGES,
} from '../workflows/messages';

export interface TemporalTarget {
  address: string;
  namespace: string;
}

export function temporalFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  return { address: env.TEMPORAL_ADDRESS || '127.0.0.1:7233', namespace: env.TEMPORAL_NAMESPACE || 'default' };
}

export async function connectClient(t: TemporalTarget): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: t.address, connectTimeout: '5s' });
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${t.address} (${(err as Error).message}); start one with ` +
      '`temporal server start-dev` or set TEMPORAL_ADDRESS');
  }
  return new Client({ connection, namespace: t.namespace });
}

export { runIdFor };

export class AlreadyStarted extends Error {}

/**
 * Starts the cycle. Without `rerun`, a second start of the same month and drop
 * is refused; with it, the next free version starts. Ids are never reused
 * (REJECT_DUPLICATE), so a version names one execution forever.
 */
export async function startCycle(
  client: Client, input: Omit<CycleInput, 'runId' | 'version'>, opts: { rerun?: boolean; taskQueue?: string } = {},
): Promise<{ runId: string; version: number }> {
  for (let version = 1; version < 1000; version++) {
    const runId = runIdFor(input.month, input.dropSha256, version, input.scope);
    try {
      await client.workflow.start('monthlyCycle', {
        taskQueue: opts.taskQueue ?? TASK_QUEUE,
        workflowId: runId,
        args: [{ ...input, runId, version }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
      return { runId, version };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      if (!opts.rerun) {
        throw new AlreadyStarted(`month ${input.month} was already run on this drop (sha256 ${input.dropSha256.slice(0, 12)}…) as ${runId}; ` +
          'pass --rerun to start a new version');
      }
    }
  }
  throw new Error('too many versions of this run');
}

export interface RunState extends CycleProgress {
  status: RunStatus;
  /** false when no worker answered the query: stages then come from elsewhere (the database) or are unknown. */
  live: boolean;
}

/** Live state of a run, from the workflow (query), with Temporal's own status for closed runs. */
export async function runState(client: Client, runId: string): Promise<RunState> {
  const handle = client.workflow.getHandle(runId);
  let desc;
  try {
    desc = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new Error(`no run ${runId}`);
    throw err;
  }
  let progress: CycleProgress | undefined;
  try {
    // A query waits for a worker; with none alive it would wait for ever, so bound it.
    progress = await client.withDeadline(Date.now() + 5000, () => handle.query(progressQuery));
  } catch {
    // no worker to answer: fall back on what the server knows
  }
  const closed = desc.status.name;
  const base: RunState = progress ? { ...progress, live: true } : {
    runId, month: '', requestedBy: '', status: 'running', live: false,
    stages: CYCLE_STAGES.map((name) => ({ name, status: 'pending', startedAt: null, finishedAt: null })),
  };
  if (closed === 'FAILED' || closed === 'TERMINATED' || closed === 'TIMED_OUT' || closed === 'CANCELLED') {
    let error = base.error;
    if (!error && closed === 'FAILED') {
      try {
        await handle.result();
      } catch (e) {
        error = innermost(e);
      }
    }
    return { ...base, status: 'failed', error: error ?? `workflow ${closed.toLowerCase()}` };
  }
  return base;
}

function innermost(e: any): string {
  // The workflow's own failure message already says which stage failed and why.
  return e?.cause?.message ?? e?.message ?? String(e);
}

/** The workflow refused a decision (its Update's validator): the message says why. */
export class DecisionRefused extends Error {
  constructor(readonly why: string) {
    super(`decision refused: ${why}`);
  }
}

export async function decide(client: Client, runId: string, d: DecisionInput): Promise<DecisionRecord> {
  const handle = client.workflow.getHandle(runId);
  try {
    return await handle.executeUpdate(decideUpdate, { args: [d] });
  } catch (err: any) {
    if (err instanceof WorkflowNotFoundError) throw await refusalOfClosedRun(client, runId, d);
    // The validator's refusal comes back as the failure's message.
    throw new DecisionRefused(err?.cause?.message ?? err?.message ?? String(err));
  }
}

/** A run that has ended takes no Update: say why in the workflow's own words (its final state), or that there is no such run. */
async function refusalOfClosedRun(client: Client, runId: string, d: DecisionInput): Promise<Error> {
  const handle = client.workflow.getHandle(runId);
  try {
    const desc = await handle.describe();
    let why = `the run has ended (${desc.status.name.toLowerCase()}); it no longer takes decisions`;
    try {
      const p = await client.withDeadline(Date.now() + 5000, () => handle.query(progressQuery));
      why = refuseDecision(p, d) ?? why;
    } catch {
      // no worker to replay the closed run: Temporal's status is the answer
    }
    return new DecisionRefused(why);
  } catch {
    return new Error(`no run ${runId}`);
  }
}

/**
 * A decision, with a refusal written to the audit log: a refused Update never
 * enters the workflow's history, so the caller records it (who, what, why).
 */
export async function decideAudited(client: Client, db: Db | null, runId: string, d: DecisionInput): Promise<DecisionRecord> {
  try {
    return await decide(client, runId, d);
  } catch (err) {
    if (err instanceof DecisionRefused && db) {
      const known = await runExists(db.db, runId);
      await writeAudit(db.pool, { actor: String(d.reviewer ?? '').trim() || '(unnamed)', action: 'decision.refused', runId: known ? runId : null,
        after: { decision: d.decision, via: 'update', runId }, reason: err.why });
    }
    throw err;
  }
}

/** The worker of the monthly cycle, as a library: the command line runs it through `acvloop worker` (cli/commands/worker.ts). */
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { ActivityDeps } from '../activities/context';
import { TASK_QUEUE, type WorkerRole } from './task-queues';
import { bundleWorkflows, workflowCode, type WorkerConnection, type WorkflowBundle } from './workflow-worker';

export { TASK_QUEUE, bundleWorkflows };
export { createWorkflowWorker } from './workflow-worker';

export interface WorkerOptions extends WorkerConnection {
  role?: WorkerRole;
  /** The stages' dependencies; not needed by a `workflows` worker. */
  deps?: ActivityDeps;
  /** Replace or wrap activities (tests inject a failing stage). */
  activities?: Record<string, (...args: any[]) => Promise<unknown>>;
  workflowBundle?: WorkflowBundle;
  /**
   * Stages this process runs at once (default: the SDK's). `acvloop worker`
   * runs one: a stage's memory is the worker's bound, and an attempt that
   * timed out keeps its slot until its code returns, so its retry cannot run
   * beside it in the same heap.
   */
  maxConcurrentActivities?: number;
}

/** A worker of the monthly cycle: the workflow code, the activities built over `deps`, or both (`role`). */
export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  const role = opts.role ?? 'all';
  const workflows = role !== 'activities' ? workflowCode(opts.workflowBundle) : {};
  let activities: WorkerOptions['activities'];
  if (role !== 'workflows') {
    if (!opts.activities && !opts.deps) throw new Error(`a worker that runs activities (role ${role}) needs their dependencies`);
    activities = opts.activities ?? createActivities(opts.deps!);
  }
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    ...workflows,
    ...(activities ? { activities } : {}),
    ...(activities && opts.maxConcurrentActivities ? { maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities } : {}),
  });
}


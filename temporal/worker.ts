/** The worker of the monthly cycle, as a library: the command line runs it through `acvloop worker` (cli/commands/worker.ts). */
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import path from 'node:path';
import { createActivities } from '../activities';
import { PROJECT_ROOT } from '../lib/project-root';
import type { ActivityDeps } from '../activities/context';
import { TASK_QUEUE } from './task-queues';

export { TASK_QUEUE };

// An explicit file, not require.resolve: under vitest, tsx and the build in dist/ alike the bundler gets the TypeScript entry.
const workflowsPath = path.join(PROJECT_ROOT, 'workflows', 'index.ts');

/** Bundles the workflow code once (tests share one bundle across workers). */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  trace: () => {}, debug: () => {}, info: () => {}, warn: () => {},
  error: (m: string, meta?: unknown) => console.error(m, meta ?? ''),
  log: () => {},
};

/**
 * What a worker polls for. `workflows` runs only the cycle's workflow tasks
 * (small, never blocked by model work, so status queries answer while retrain
 * runs); `activities` only the stages; `all` both in one process (the tests,
 * the demo). Temporal hands a task queue's workflow and activity tasks to the
 * workers that registered each, so the split changes no workflow command.
 */
export type WorkerRole = 'all' | 'workflows' | 'activities';
export const WORKER_ROLES: readonly WorkerRole[] = ['all', 'workflows', 'activities'];

export interface WorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  role?: WorkerRole;
  /** The stages' dependencies; not needed by a `workflows` worker. */
  deps?: ActivityDeps;
  /** Replace or wrap activities (tests inject a failing stage). */
  activities?: Record<string, (...args: any[]) => Promise<unknown>>;
  workflowBundle?: WorkflowBundleWithSourceMap;
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
  const workflows = role !== 'activities'
    ? (opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath })
    : {};
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


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

export interface WorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  deps: ActivityDeps;
  /** Replace or wrap activities (tests inject a failing stage). */
  activities?: Record<string, (...args: any[]) => Promise<unknown>>;
  workflowBundle?: WorkflowBundleWithSourceMap;
}

/** A worker of the monthly cycle: the workflow code plus the activities built over `deps`. */
export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    activities: opts.activities ?? createActivities(opts.deps),
  });
}


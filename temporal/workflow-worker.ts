/**
 * The workflow half of a worker: where the cycle's workflow code comes from
 * (the build's bundle, or the sources bundled here) and a worker that polls
 * only workflow tasks. It imports no stage, so `acvloop worker --role
 * workflows` never holds the stages, models and database drivers in memory.
 */
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../lib/project-root';
import { TASK_QUEUE } from './task-queues';

// An explicit file, not require.resolve: under vitest, tsx and the build in dist/ alike the bundler gets the TypeScript entry.
const workflowsPath = path.join(PROJECT_ROOT, 'workflows', 'index.ts');

/** A bundle made once (`bundleWorkflows`, tests) or by the build (`codePath`). */
export type WorkflowBundle = WorkflowBundleWithSourceMap | { codePath: string };

/**
 * The bundle bin/build.js wrote beside this file's build, when this file is
 * the build (dist/ runs only while it is newer than every source, so its
 * bundle is of the same sources); from the sources, none: the worker bundles.
 */
function prebuiltBundle(): { codePath: string } | undefined {
  const codePath = path.join(__dirname, '..', 'workflow-bundle.js');
  return path.basename(path.dirname(__dirname)) === 'dist' && fs.existsSync(codePath) ? { codePath } : undefined;
}

/** Bundles the workflow code once (tests share one bundle across workers). */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  trace: () => {}, debug: () => {}, info: () => {}, warn: () => {},
  error: (m: string, meta?: unknown) => console.error(m, meta ?? ''),
  log: () => {},
};

/** Worker.create's options for the workflow code: the given bundle, the build's, or the sources. */
export function workflowCode(bundle?: WorkflowBundle): { workflowBundle: WorkflowBundle } | { workflowsPath: string } {
  const b = bundle ?? prebuiltBundle();
  return b ? { workflowBundle: b } : { workflowsPath };
}

export interface WorkerConnection {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
}

/** A worker that polls only the cycle's workflow tasks. */
export function createWorkflowWorker(opts: WorkerConnection & { workflowBundle?: WorkflowBundle }): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    ...workflowCode(opts.workflowBundle),
  });
}

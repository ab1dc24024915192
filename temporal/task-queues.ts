/** The task queue of the monthly cycle (workers poll it, clients start on it). Not imported by workflow code. */
export const TASK_QUEUE = process.env.ACVLOOP_TASK_QUEUE || 'acvloop-cycle';

/**
 * What a worker polls its task queue for. `workflows` runs only the cycle's
 * workflow tasks (small, never blocked by model work, so status queries
 * answer while retrain runs); `activities` only the stages; `all` both in one
 * process (the tests, the demo). Temporal hands a task queue's workflow and
 * activity tasks to the workers that registered each, so the split changes no
 * workflow command.
 */
export type WorkerRole = 'all' | 'workflows' | 'activities';
export const WORKER_ROLES: readonly WorkerRole[] = ['all', 'workflows', 'activities'];

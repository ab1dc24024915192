/** The task queue of the monthly cycle (workers poll it, clients start on it). Not imported by workflow code. */
export const TASK_QUEUE = process.env.ACVLOOP_TASK_QUEUE || 'acvloop-cycle';

import { getHeapStatistics } from 'node:v8';
import { NativeConnection } from '@temporalio/worker';
import type { Db } from '../../sql/db';
import { parsePositiveInt } from '../parse';
import { codeVersion, DatabaseUnreachable, openDb } from '../env';
import { temporalFromEnv } from '../../temporal/client';
import { TASK_QUEUE, WORKER_ROLES, type WorkerRole } from '../../temporal/task-queues';

/**
 * `acvloop worker [--role R]`. Without a role, bin/acvloop.js starts two
 * children, `--role workflows` and `--role activities` (cli/infra/worker-heap.js),
 * so model work never holds up a workflow task; each child runs this.
 */
export async function workerCommand(opts: { role?: string; maxActivities?: string } = {}): Promise<number> {
  const role = workerRole(opts.role);
  const maxConcurrentActivities = parsePositiveInt(opts.maxActivities ?? '1', '--max-activities');
  // A workflows worker runs no stage: it needs no database.
  const db = role === 'workflows' ? undefined : await openDbOnceItAnswers();
  const target = temporalFromEnv();
  const connection = await NativeConnection.connect({ address: target.address }).catch((err: Error) => {
    throw new Error(`cannot reach Temporal at ${target.address}: ${err.message}`);
  });
  // Loaded on use: a workflows process never loads the stages, models and drivers (temporal/worker.ts imports them).
  const worker = role === 'workflows'
    ? await (require('../../temporal/workflow-worker') as typeof import('../../temporal/workflow-worker'))
      .createWorkflowWorker({ connection, namespace: target.namespace })
    : await (require('../../temporal/worker') as typeof import('../../temporal/worker')).createWorker({
      connection, namespace: target.namespace, role, maxConcurrentActivities,
      deps: db && { db, codeVersion: codeVersion(), openLineageUrl: process.env.OPENLINEAGE_URL, log: (m) => console.error(m) },
    });
  // The pid and heap limit say which process is the worker and that its memory cap is in effect (bin/acvloop.js starts it in a child).
  const heapMiB = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  const what = role === 'all' ? '' : ` ${role}`;
  process.stderr.write(`acvloop worker polling${what} ${target.address} (${target.namespace}/${TASK_QUEUE}); pid ${process.pid}, heap limit ${heapMiB} MiB\n`);
  try {
    await worker.run(); // returns after SIGINT/SIGTERM: the SDK drains in-flight tasks first
  } finally {
    await connection.close();
    await db?.close();
  }
  return 0;
}

function workerRole(given: string | undefined): WorkerRole {
  if (given === undefined) return 'all';
  if ((WORKER_ROLES as readonly string[]).includes(given)) return given as WorkerRole;
  throw Object.assign(new Error(`--role takes ${WORKER_ROLES.join(', ')}, not "${given}"`), { exitCode: 2 });
}

const DB_RETRY_MS = 2_000;

/**
 * A worker outlives its database: started while Postgres is down (or failing
 * over), it waits for it instead of exiting, and says what it waits for
 * (again only when the reason changes, e.g. refused -> starting up).
 */
async function openDbOnceItAnswers(): Promise<Db> {
  let said = '';
  for (;;) {
    try {
      return await openDb();
    } catch (err) {
      if (!(err instanceof DatabaseUnreachable)) throw err;
      if (err.reason !== said) process.stderr.write(`acvloop worker: waiting for the database at ${err.address} (${err.reason}); retrying every ${DB_RETRY_MS / 1000} s\n`);
      said = err.reason;
      await new Promise((r) => setTimeout(r, DB_RETRY_MS));
    }
  }
}

import { NativeConnection } from '@temporalio/worker';
import { codeVersion, openDb } from '../env';
import { temporalFromEnv } from '../temporal-client';
import { createWorker, TASK_QUEUE } from '../../worker';

export async function workerCommand(): Promise<number> {
  const db = await openDb();
  const target = temporalFromEnv();
  const connection = await NativeConnection.connect({ address: target.address }).catch((err: Error) => {
    throw new Error(`cannot reach Temporal at ${target.address}: ${err.message}`);
  });
  const worker = await createWorker({
    connection, namespace: target.namespace,
    deps: { db, codeVersion: codeVersion(), openLineageUrl: process.env.OPENLINEAGE_URL, log: (m) => console.error(m) },
  });
  process.stderr.write(`acvloop worker polling ${target.address} (${target.namespace}/${TASK_QUEUE})\n`);
  try {
    await worker.run(); // returns after SIGINT/SIGTERM: the SDK drains in-flight tasks first
  } finally {
    await connection.close();
    await db.close();
  }
  return 0;
}

import type { PoolClient } from 'pg';
import type { Db } from '../sql/db';

/**
 * Runs `body` in one transaction that holds an advisory lock on `key`: two
 * workers doing the same stage (a retry racing a slow first attempt) take
 * turns, and a failure rolls everything back, so a stage writes all or nothing.
 */
export async function inLockedTransaction<T>(deps: { db: Db }, key: string, body: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await deps.db.pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [key]);
    const out = await body(client);
    await client.query('commit');
    return out;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

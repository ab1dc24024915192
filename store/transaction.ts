import { Kysely, PostgresDialect, type PostgresPoolClient } from 'kysely';
import type { PoolClient } from 'pg';
import type { Database } from '../sql/database';
import type { Db } from '../sql/db';

/**
 * Runs `body` in one transaction that holds an advisory lock on `key`: two
 * workers doing the same stage (a retry racing a slow first attempt) take
 * turns, and a failure rolls everything back, so a stage writes all or nothing.
 * The body gets the transaction's pg client (for COPY) and the typed Database
 * over that same client, so store/ functions write inside the transaction.
 */
export async function inLockedTransaction<T>(
  deps: { db: Db }, key: string, body: (client: PoolClient, tx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const client = await deps.db.pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [key]);
    const out = await body(client, typedOn(client));
    await client.query('commit');
    return out;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

const typed = new WeakMap<PoolClient, Kysely<Database>>();

/**
 * The typed Database over one pg client: its queries run on that connection,
 * inside whatever transaction the client is in. Kysely's own `transaction()`
 * would take a connection of its own, which a COPY on the client could not join.
 */
export function typedOn(client: PoolClient): Kysely<Database> {
  let db = typed.get(client);
  if (!db) {
    // A pool of this one connection, which it never releases or ends: the caller owns the client.
    const only = { query: (...args: unknown[]) => Reflect.apply(client.query, client, args), release: () => {} } as PostgresPoolClient;
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: { connect: async () => only, end: async () => {} } }) });
    typed.set(client, db);
  }
  return db;
}

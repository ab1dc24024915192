import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import { Pool, types } from 'pg';
import { BoundedConnectClient, ownConnectionErrors } from './connection-owner';
import type { Database } from './database';
import { migrationProvider } from './migrations';
import { currentUser, ownerMustMigrate, ownsSchema } from './ownership';
import { databaseAddress } from './outage';

// Dates stay `YYYY-MM-DD` text: parsing them into JS Dates would shift them
// by the local time zone offset.
types.setTypeParser(1082, (v: string) => v);

export interface DbOptions {
  /** postgres:// URL */
  url: string;
  /** Schema to work in (created if missing); tests use one per suite. Default `acvloop`. */
  schema?: string;
  max?: number;
  /** Where a lost connection is reported (once per outage). Default console.error. */
  log?: (msg: string) => void;
}

export interface Db {
  db: Kysely<Database>;
  pool: Pool;
  schema: string;
  /** HOST:PORT of the server, for messages. */
  address: string;
  /** Resolves once a new connection answers `select 1`; rejects with why not (bounded by the connect timeout). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function connect(opts: DbOptions): Db {
  const schema = opts.schema ?? 'acvloop';
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name "${schema}": use lower-case letters, digits and _`);
  const pool = new Pool({
    connectionString: opts.url,
    max: opts.max ?? 6,
    // Every connection works in the run's schema, so migrations and queries stay unqualified.
    options: `-c search_path=${schema}`,
    Client: BoundedConnectClient,
  });
  const address = databaseAddress(opts.url);
  ownConnectionErrors(pool, address, opts.log ?? ((m) => console.error(m)));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool, schema, address, ping: () => ping(opts.url), close: () => db.destroy() };
}

/** One `select 1` on a connection of its own: asks the server, not the pool (whose slots may all be busy). */
async function ping(url: string): Promise<void> {
  const client = new BoundedConnectClient({ connectionString: url });
  // The failure reaches the caller through connect() or query(); the event must not go unowned.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => {});
  }
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

/** Applies pending migrations; idempotent (a second call applies nothing). */
export async function migrate(handle: Db): Promise<MigrateResult> {
  // Postgres checks CREATE on the database even for a schema that exists, which the worker's and serve's
  // roles lack: look first.
  const schemaExists = (await handle.pool.query('select to_regnamespace($1) as n', [handle.schema])).rows[0].n !== null;
  if (!schemaExists) {
    try {
      await sql`create schema if not exists ${sql.id(handle.schema)}`.execute(handle.db);
    } catch (err) {
      // `if not exists` is not atomic: two sessions creating the schema at once may see a duplicate key.
      // The other one created it, which is all we wanted.
      const code = (err as { code?: string }).code;
      if (code !== '23505' && code !== '42P06') throw err;
    }
  }
  const names = Object.keys(await migrationProvider.getMigrations());
  // Up to date (the common case: every command opens the database this way): nothing to ask kysely, whose
  // migrator introspects every schema of the database and trips over one another session drops meanwhile.
  const done = await appliedMigrations(handle);
  if (done && names.every((n) => done.has(n))) return { applied: [], alreadyApplied: names.length };
  if (!(await ownsSchema(handle.pool, handle.schema))) {
    throw new Error(ownerMustMigrate(handle.schema, await currentUser(handle.pool), names.filter((n) => !done?.has(n))));
  }
  for (let attempt = 1; ; attempt++) {
    // Concurrent migrators (a worker and a CLI) serialize on kysely's own lock table.
    const migrator = new Migrator({ db: handle.db, provider: migrationProvider, migrationTableSchema: handle.schema });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      // A schema of another session vanished under the introspection (invalid_schema_name): nothing of ours failed.
      if ((error as { code?: string }).code === '3F000' && attempt < 3) continue;
      throw error instanceof Error ? error : new Error(String(error));
    }
    const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    return { applied, alreadyApplied: names.length - applied.length };
  }
}

/** The migrations applied in the handle's schema, or null before the first migration. */
async function appliedMigrations(handle: Db): Promise<Set<string> | null> {
  const exists = await handle.pool.query('select to_regclass($1) as t', [`${handle.schema}.kysely_migration`]);
  if (!exists.rows[0].t) return null;
  const rows = await handle.pool.query(`select name from ${handle.schema}.kysely_migration`);
  return new Set(rows.rows.map((r: { name: string }) => r.name));
}

/** Resolves the database settings a command uses: DATABASE_URL and ACVLOOP_SCHEMA. */
export function dbOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DbOptions | null {
  if (!env.DATABASE_URL) return null;
  return { url: env.DATABASE_URL, schema: env.ACVLOOP_SCHEMA || 'acvloop' };
}

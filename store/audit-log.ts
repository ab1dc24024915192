import { Kysely } from 'kysely';
import type { Pool, PoolClient } from 'pg';
import type { Database } from '../sql/database';
import { typedOn } from './transaction';

/**
 * The audit log's one writer, for every caller: a stage inside its locked
 * transaction (a pg client), a command inside a kysely transaction, or a
 * command on the pool. With a key, an entry is written once however often it
 * is retried (the unique dedupe key keeps the first). The drop's hash, when
 * not given, is taken from the run; `null` records none. The table itself
 * refuses UPDATE, DELETE and TRUNCATE.
 */
export interface AuditEntry {
  actor: string;
  action: string;
  runId: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  modelVersion?: string | null;
  /** Undefined: the run's own drop hash; null: none. */
  dropSha256?: string | null;
  key?: string | null;
}

/** Where an entry is written: the pool, a pg client (inside its transaction), or a kysely transaction. */
export type AuditTarget = Pool | PoolClient | Kysely<Database>;

export async function writeAudit(target: AuditTarget, e: AuditEntry): Promise<void> {
  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  await onTyped(target, (db) => db.insertInto('audit_log').values((eb) => ({
    actor: e.actor, action: e.action, run_id: e.runId, before: json(e.before), after: json(e.after), reason: e.reason ?? null,
    model_version_id: e.modelVersion ?? null, dedupe_key: e.key ?? null,
    drop_sha256: e.dropSha256 !== undefined ? e.dropSha256
      : eb.selectFrom('runs').select('drop_sha256').where('run_id', '=', e.runId),
  })).onConflict((oc) => oc.column('dedupe_key').doNothing()).execute());
}

/** Runs `body` on the typed Database over the target; a pool lends one connection for it, as pool.query would. */
async function onTyped<T>(target: AuditTarget, body: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  if (target instanceof Kysely) return body(target);
  if ('release' in target) return body(typedOn(target));
  const client = await target.connect();
  try {
    const out = await body(typedOn(client));
    client.release();
    return out;
  } catch (err) {
    // A connection that failed goes back broken, so the pool discards it (pool.query does the same).
    client.release(err as Error);
    throw err;
  }
}

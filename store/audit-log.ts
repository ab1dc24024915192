/**
 * One writer of audit entries for every caller: a stage inside its locked
 * transaction (a pg client), or a command on the pool. With a key, an entry
 * is written once however often it is retried; without the drop's hash, it is
 * taken from the run. The table itself refuses UPDATE, DELETE and TRUNCATE.
 */
export interface AuditEntry {
  actor: string;
  action: string;
  runId: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  modelVersion?: string | null;
  dropSha256?: string | null;
  key?: string | null;
}

/** A pg Pool or PoolClient (or anything with the same query). */
interface Queryable { query(text: string, values?: unknown[]): Promise<unknown> }

export async function writeAudit(q: Queryable, e: AuditEntry): Promise<void> {
  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  await q.query(
    `insert into audit_log (actor, action, run_id, before, after, reason, model_version_id, drop_sha256, dedupe_key)
     values ($1, $2, $3, $4, $5, $6, $7, coalesce($8, (select drop_sha256 from runs where run_id = $3)), $9)
     on conflict (dedupe_key) do nothing`,
    [e.actor, e.action, e.runId, json(e.before), json(e.after), e.reason ?? null, e.modelVersion ?? null, e.dropSha256 ?? null, e.key ?? null],
  );
}

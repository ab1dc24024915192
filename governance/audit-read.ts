import type { Db } from '../sql/db';
import { runById } from '../store/runs';

/**
 * The audit log as a reviewer reads it: every entry with the drop it concerns.
 * An entry's own `model_version_id` and `drop_sha256` columns say what it
 * touched when the writer knew; when the drop columns are null, the drop is
 * the one its run ingested (the run's batch), so that every entry about a run
 * names the drop files by content hash.
 */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  runId: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  modelVersion: string | null;
  dropSha256: string | null;
  dropFiles: { file: string; sha256: string }[];
}

export interface AuditFilter {
  runId?: string;
  /** Entries whose action starts with this (e.g. `alias.` or `run.approved`). */
  actionPrefix?: string;
  /** Entries at or after this instant. */
  since?: Date;
}

export async function readAudit(handle: Db, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const { db } = handle;
  let q = db.selectFrom('audit_log').selectAll().orderBy('id');
  if (filter.runId !== undefined) q = q.where('run_id', '=', filter.runId);
  if (filter.actionPrefix) q = q.where('action', 'like', `${escapeLike(filter.actionPrefix)}%`);
  if (filter.since) q = q.where('at', '>=', filter.since);
  const rows = await q.execute();

  const drops = dropResolver(handle);
  const entries: AuditEntry[] = [];
  for (const r of rows) {
    const drop = await drops(r.run_id, r.drop_sha256);
    entries.push({
      id: Number(r.id), at: r.at.toISOString(), actor: r.actor, action: r.action, runId: r.run_id,
      before: r.before, after: r.after, reason: r.reason, modelVersion: r.model_version_id,
      dropSha256: drop.sha256, dropFiles: drop.files,
    });
  }
  return entries;
}

/** Parses `--since`: a date (YYYY-MM-DD, read as UTC midnight) or an ISO-8601 date-time with its offset. */
export function parseSince(text: string): Date {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  const at = new Date(dateOnly ? `${text}T00:00:00Z` : text);
  if (!(dateOnly || dateTime) || Number.isNaN(at.getTime())) {
    throw new Error(`--since ${JSON.stringify(text)}: expected a date (2026-11-01) or a date-time with its offset (2026-11-01T09:00:00Z)`);
  }
  return at;
}

interface Drop { sha256: string | null; files: { file: string; sha256: string }[] }

/** Looks up each run's and each drop hash's files once, however many entries name them. */
function dropResolver(handle: Db) {
  const { db } = handle;
  const cache = new Map<string, Promise<Drop>>();
  const filesOf = async (batchId: string) =>
    (await db.selectFrom('ingest_files').select(['file', 'sha256']).where('batch_id', '=', batchId).orderBy('file').execute())
      .map((f) => ({ file: f.file, sha256: f.sha256 }));

  const byRun = async (runId: string): Promise<Drop> => {
    const batch = await db.selectFrom('run_batches as rb').innerJoin('ingest_batches as b', 'b.batch_id', 'rb.batch_id')
      .select(['b.batch_id', 'b.drop_sha256']).where('rb.run_id', '=', runId).executeTakeFirst();
    if (batch) return { sha256: batch.drop_sha256, files: await filesOf(batch.batch_id) };
    // Not ingested yet (or never): the hash the run was started with, no files landed.
    const run = await runById(db, runId);
    return { sha256: run?.drop_sha256 ?? null, files: [] };
  };

  const byHash = async (runId: string | null, sha256: string): Promise<Drop> => {
    if (runId) {
      const ofRun = await byRun(runId);
      if (ofRun.sha256 === sha256) return ofRun;
    }
    // Batches of one drop differ only by contract versions: their files are the same bytes.
    const batch = await db.selectFrom('ingest_batches').select('batch_id').where('drop_sha256', '=', sha256)
      .orderBy('created_at').orderBy('batch_id').limit(1).executeTakeFirst();
    return { sha256, files: batch ? await filesOf(batch.batch_id) : [] };
  };

  return (runId: string | null, sha256: string | null): Promise<Drop> => {
    if (!runId && !sha256) return Promise.resolve({ sha256: null, files: [] });
    const key = `${runId ?? ''}|${sha256 ?? ''}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = sha256 ? byHash(runId, sha256) : byRun(runId!);
      cache.set(key, hit);
    }
    return hit;
  };
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

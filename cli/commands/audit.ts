import { parseSince, readAudit, type AuditEntry } from '../../governance/audit-read';
import { openDb } from '../env';
import { drained } from './lineage';
import { printJson, say, table } from '../output';

/** `acvloop audit`: the append-only audit log, oldest first, with the drop each entry concerns. */
export async function auditCommand(opts: { run?: string; action?: string; since?: string; json?: boolean }): Promise<number> {
  // Parsed before connecting: a bad --since is the user's to fix, whatever the database.
  const since = opts.since !== undefined ? parseSince(opts.since) : undefined;
  const handle = await openDb();
  try {
    const entries = await readAudit(handle, { runId: opts.run, actionPrefix: opts.action, since });
    if (opts.json) printJson({ entries });
    else printAudit(entries, opts.run);
    await drained();
    return 0;
  } finally {
    await handle.close();
  }
}

function printAudit(entries: AuditEntry[], runId: string | undefined): void {
  if (!entries.length) {
    say(runId ? `No audit entries for run ${runId}.` : 'No audit entries.');
    return;
  }
  say(table(['id', 'at', 'actor', 'action', 'run', 'change', 'reason', 'model version', 'drop'],
    entries.map((e) => [String(e.id), e.at.replace(/\.\d+Z$/, 'Z'), e.actor, e.action, e.runId ?? '—', change(e), e.reason ?? '—',
      e.modelVersion ?? '—', e.dropSha256 ? `${e.dropSha256.slice(0, 12)} (${e.dropFiles.length} files)` : '—'])));
}

/** `before → after` in one cell: an alias move shows its versions, anything else its JSON. */
function change(e: AuditEntry): string {
  const text = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const o = v as Record<string, unknown>;
    if (typeof o === 'object' && 'alias' in o && 'version' in o) return String(o.version ?? 'none');
    // Hashes in full make the table unreadable; `--json` has them whole.
    return JSON.stringify(v).replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, '$1…');
  };
  const [b, a] = [text(e.before), text(e.after)];
  return b ? `${b} → ${a}` : a || '—';
}

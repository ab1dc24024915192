import { parseSince, readAudit, type AuditEntry } from '../../governance/audit-read';
import { openDb } from '../env';
import { drained } from './lineage';
import { auditTable } from '../audit-table';
import { printJson, say } from '../output';

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
  say(auditTable(entries));
}

import { sql } from 'kysely';
import type { Db } from '../../sql/db';
import { hasGaps, lineageGaps, traceLineage, type LineageGaps, type LineageRunEvent } from '../../governance/lineage-trace';
import { runById } from '../../store/runs';
import { describeRunScope, isOrgWide, pilotRowsText, type RunScope } from '../../lib/run-scope';
import { openDb } from '../env';
import { printJson, say, table } from '../output';

export interface LineageOutput {
  dataset: string;
  table: string | null;
  producedBy: string;
  writtenBy: string[];
  upstreamFiles: { file: string; sha256: string; contractVersion: string | null }[];
  via: string[];
  upstreamDatasets: string[];
  upstreamWritten: string[];
  modelVersions: string[];
  codeVersion: string;
}

export interface LineageReport {
  runId: string;
  codeVersion: string;
  events: unknown[];
  outputs: LineageOutput[];
  files: { file: string; sha256: string; bytes: number; rowsRead: number; contractVersion: string | null }[];
  /** Tables holding rows of the run (found by their run_id column). */
  runTables: string[];
  complete: boolean;
  gaps: LineageGaps;
  /** A pilot's scope and how its rows were cut from the drop's (store/pilot-scope.ts); null for an organisation-wide run. */
  pilot: { scope: RunScope; rows: string } | null;
}

/**
 * `acvloop lineage RUN`: every output of the run traced back through its
 * OpenLineage events to the drop files by content hash, with the contract
 * versions the files were checked against (the validation report), the model
 * versions on the way (the model_version_id of the rows the run wrote, before
 * they were read, in each table on the path: champions the backtest scored
 * included) and the code version of the run.
 */
export async function readLineage(handle: Db, runId: string): Promise<LineageReport> {
  const { db } = handle;
  const run = await runById(db, runId);
  if (!run) throw new Error(`no run ${runId} in schema ${handle.schema}`);
  const stored = await db.selectFrom('lineage_events').select('event').where('run_id', '=', runId).orderBy('id').execute();
  const events = stored.map((e) => e.event as unknown);
  const trace = traceLineage(events as LineageRunEvent[]);

  const batch = await db.selectFrom('run_batches').select('batch_id').where('run_id', '=', runId).executeTakeFirst();
  const ingested = batch ? await db.selectFrom('ingest_files').selectAll().where('batch_id', '=', batch.batch_id).orderBy('file').execute() : [];
  const report = batch ? await db.selectFrom('validation_reports').select('contract_versions').where('batch_id', '=', batch.batch_id).executeTakeFirst() : undefined;
  const contractVersions = (report?.contract_versions ?? {}) as Record<string, string>;
  const files = ingested.map((f) => ({
    file: f.file, sha256: f.sha256, bytes: Number(f.bytes), rowsRead: f.rows_read, contractVersion: contractVersions[f.file] ?? null,
  }));

  const { runTables, versionsByTable } = await runRows(handle, runId);
  const tableOfDataset = (dataset: string) => {
    const prefix = `/${handle.schema}.`;
    const at = dataset.indexOf(prefix);
    return dataset.startsWith('postgres') && at >= 0 ? dataset.slice(at + prefix.length) : null;
  };
  const outputs: LineageOutput[] = trace.outputs.map((o) => {
    const tables = [o.dataset, ...o.upstreamWritten].map(tableOfDataset).filter((t): t is string => t !== null);
    return {
      dataset: o.dataset, table: o.table, producedBy: o.producedBy, writtenBy: o.writtenBy,
      // The validation report is the record of which contract version checked a file; the event's facet is its copy.
      upstreamFiles: o.upstreamFiles.map((f) => ({ file: f.file, sha256: f.sha256, contractVersion: contractVersions[f.file] ?? f.contractVersion })),
      via: o.via, upstreamDatasets: o.upstreamDatasets, upstreamWritten: o.upstreamWritten,
      modelVersions: [...new Set(tables.flatMap((t) => versionsByTable.get(t) ?? []))].sort(),
      codeVersion: run.code_version,
    };
  });
  const gaps = lineageGaps(trace, files, runTables);
  const pilot = isOrgWide(run.scope) ? null : { scope: run.scope as RunScope, rows: pilotRowsText(run.scope as RunScope) };
  return { runId, codeVersion: run.code_version, events, outputs, files, runTables, complete: !hasGaps(gaps), gaps, pilot };
}

/** The schema's tables with rows of the run, and the model versions those rows name. */
async function runRows(handle: Db, runId: string) {
  const columns = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = ${handle.schema} and column_name in ('run_id', 'model_version_id')`.execute(handle.db);
  const byTable = new Map<string, Set<string>>();
  for (const c of columns.rows) byTable.set(c.table_name, (byTable.get(c.table_name) ?? new Set()).add(c.column_name));
  const runTables: string[] = [];
  const versionsByTable = new Map<string, string[]>();
  for (const [t, cols] of [...byTable].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!cols.has('run_id')) continue;
    const ref = sql.id(handle.schema, t);
    const has = await sql<{ one: number }>`select 1 as one from ${ref} where run_id = ${runId} limit 1`.execute(handle.db);
    if (!has.rows.length) continue;
    runTables.push(t);
    if (cols.has('model_version_id')) {
      const v = await sql<{ id: string }>`select distinct model_version_id as id from ${ref} where run_id = ${runId} and model_version_id is not null order by 1`
        .execute(handle.db);
      versionsByTable.set(t, v.rows.map((r) => r.id));
    }
  }
  return { runTables, versionsByTable };
}

export async function lineageCommand(runId: string, opts: { json?: boolean; check?: boolean }): Promise<number> {
  const handle = await openDb();
  try {
    const r = await readLineage(handle, runId);
    if (opts.json) printJson(r);
    else printLineage(r);
    // The events make this output large; bin/acvloop.js exits right after, so let the pipe take it all first.
    await drained();
    return opts.check && !r.complete ? 1 : 0;
  } finally {
    await handle.close();
  }
}

function printLineage(r: LineageReport): void {
  say(`Lineage of run ${r.runId} — code ${r.codeVersion} — ${r.events.length} events, ${r.outputs.length} outputs — ` +
    (r.complete ? 'complete: every output leads back to the drop files' : 'INCOMPLETE'));
  if (r.pilot) say(`Pilot run, scope ${describeRunScope(r.pilot.scope)}: ${r.pilot.rows}`);
  say('');
  say('Drop files');
  say(table(['file', 'sha256', 'contract', 'rows'], r.files.map((f) => [f.file, f.sha256.slice(0, 12), f.contractVersion ?? '—', f.rowsRead])));
  const short = (file: string) => file.replace(/\.csv(\.gz)?$/, '');
  const whole = new Set(r.files.map((f) => `${f.file}@${f.sha256}`));
  const files = (o: LineageOutput) => o.upstreamFiles.length === whole.size && o.upstreamFiles.every((f) => whole.has(`${f.file}@${f.sha256}`))
    ? `all ${whole.size} drop files above`
    : o.upstreamFiles.map((f) => `${short(f.file)}@${f.sha256.slice(0, 8)}${f.contractVersion ? ` v${f.contractVersion}` : ''}`).join(', ');
  for (const o of r.outputs) {
    say('');
    say(`${o.table ?? o.dataset}  (written by ${o.writtenBy.join(', ')})`);
    if (!o.upstreamFiles.length) {
      say('  └ untraced: no path back to a drop file');
      continue;
    }
    say(`  ├ via    ${o.via.join(' → ')}`);
    if (o.modelVersions.length) say(`  ├ models ${o.modelVersions.join(', ')}`);
    say(`  └ files  ${files(o)}`);
  }
  if (!r.complete) {
    say('');
    for (const d of r.gaps.untraced) say(`untraced: ${d} has no path back to a drop file`);
    for (const g of r.gaps.notFromDrop) say(`not from the drop: ${g.dataset} traces to ${g.file} sha256 ${g.sha256}, which the run did not ingest`);
    for (const t of r.gaps.unrecorded) say(`unrecorded: table ${t} has rows of the run but no stage reported writing it`);
  }
}

/** Resolves once everything written to stdout so far has been handed to the OS. */
export function drained(): Promise<void> {
  return new Promise((resolve) => process.stdout.write('', () => resolve()));
}

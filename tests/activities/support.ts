/**
 * Shared pieces of the activity integration tests: an independent CSV reader
 * (so the tests never trust the code under test to read the drop), run
 * registration, the stage list, and table fingerprints over real Postgres.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type ActivityDeps } from '../../activities';
import { runActivities } from '../../activities/runs';
import type { Db } from '../../sql/db';

export type TestDb = Db & { url: string; drop(): Promise<void> };
export interface TestDrop { dir: string; sha256: string; month: string; cleanup(): void }

// ---------------------------------------------------------------------------
// An independent RFC 4180 reader (quotes, doubled quotes, commas and newlines in
// quotes, CRLF, BOM). Deliberately not csv-parse: the code under test uses that.
// ---------------------------------------------------------------------------

export interface ParsedCsv {
  header: string[];
  /** Data records with the 1-based physical line they start on (header = line 1). */
  records: { line: number; values: string[] }[];
}

export function parseCsvText(text: string): ParsedCsv {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows: { line: number; values: string[] }[] = [];
  let line = 1;
  let startLine = 1;
  let cell = '';
  let values: string[] = [];
  let inQuotes = false;
  let rowHasContent = false;
  const endRow = () => {
    values.push(cell);
    // A blank line is not a record.
    if (rowHasContent || values.length > 1 || values[0] !== '') rows.push({ line: startLine, values });
    values = [];
    cell = '';
    rowHasContent = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') { cell += '"'; i++; } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"') { inQuotes = true; rowHasContent = true; } else if (ch === ',') { values.push(cell); cell = ''; rowHasContent = true; } else if (ch === '\r' && text[i + 1] === '\n') {
      // CRLF: handled at the \n
    } else if (ch === '\n') {
      endRow();
      line++;
      startLine = line;
    } else cell += ch;
  }
  if (cell !== '' || values.length > 0 || rowHasContent) endRow();
  const [head, ...records] = rows;
  return { header: head.values, records };
}

export function readCsv(file: string): ParsedCsv {
  return parseCsvText(fs.readFileSync(file, 'utf8'));
}

/** Records as objects keyed by header name. */
export function csvObjects(file: string): Record<string, string>[] {
  const { header, records } = readCsv(file);
  return records.map((r) => Object.fromEntries(header.map((h, i) => [h, r.values[i]])));
}

/** Non-empty physical lines after the header, counted with no CSV logic at all. */
export function physicalDataLines(file: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(1).filter((l) => l.replace(/\r$/, '') !== '').length;
}

/** Rewrites a CSV with the given header and records (quoted only when needed, as the generator writes). */
export function writeCsv(file: string, header: string[], records: string[][]): void {
  const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  fs.writeFileSync(file, [header, ...records].map((r) => r.map(q).join(',')).join('\n') + '\n');
}

/** A copy of a drop folder (the CSVs only) that a test may change. */
export function copyDrop(from: string, suffix: string): string {
  const dir = fs.mkdtempSync(path.join(path.dirname(from), `${path.basename(from)}-${suffix}-`));
  for (const f of fs.readdirSync(from)) if (f.endsWith('.csv') || f.endsWith('.csv.gz')) fs.copyFileSync(path.join(from, f), path.join(dir, f));
  return dir;
}

// ---------------------------------------------------------------------------
// Runs and stages
// ---------------------------------------------------------------------------

/** The stages of the governed cycle up to the approval gate, in order. */
export const STAGES = ['ingest', 'validate', 'recordLineage', 'detectDrift', 'buildGraph', 'retrain', 'backtest', 'evaluateGate', 'score'] as const;
export type StageName = (typeof STAGES)[number];
/** The job name each stage records its events under. */
export const STAGE_JOB: Record<StageName, string> = {
  ingest: 'ingest', validate: 'validate', recordLineage: 'lineage', detectDrift: 'drift', buildGraph: 'graph', retrain: 'retrain', backtest: 'backtest',
  evaluateGate: 'gate', score: 'score',
};

export function depsFor(db: TestDb): ActivityDeps {
  return { db, codeVersion: 'test-activities' };
}

export async function registerRun(db: TestDb, runId: string, drop: { dir: string; sha256: string; month: string }, requestedBy = 'tester') {
  return runActivities(depsFor(db)).registerRun({
    runId, month: drop.month, dropPath: drop.dir, dropSha256: drop.sha256, version: 1, requestedBy, workflowRunId: `wf-${runId}`,
  });
}

/** Calls one stage as a plain async function (outside Temporal: attempt 1). */
export function callStage(db: TestDb, stage: StageName, runId: string): Promise<Record<string, unknown>> {
  const acts = createActivities(depsFor(db));
  return (acts[stage] as (i: { runId: string }) => Promise<Record<string, unknown>>)({ runId });
}

/** The mocked worker logs every expected failure as a warning; the assertions say what matters. */
const quiet: Logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Calls one stage inside a mocked Temporal activity context, as retry attempt `attempt` would run it. */
export function callStageAsAttempt(db: TestDb, stage: StageName, runId: string, attempt: number): Promise<Record<string, unknown>> {
  const acts = createActivities(depsFor(db));
  const env = new MockActivityEnvironment({ attempt }, { logger: quiet });
  return env.run(acts[stage] as (i: { runId: string }) => Promise<Record<string, unknown>>, { runId });
}

export async function runAllStages(db: TestDb, runId: string): Promise<Record<StageName, Record<string, unknown>>> {
  const out = {} as Record<StageName, Record<string, unknown>>;
  for (const s of STAGES) out[s] = await callStage(db, s, runId);
  return out;
}

// ---------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------

export const SRC_TABLES = ['src_accounts', 'src_opportunities', 'src_contracts', 'src_touchpoints', 'src_spend', 'src_invoices', 'src_usage', 'src_fx_rates', 'src_experiments'] as const;

/** Every data table a stage writes (not the event tables, which grow by attempt on purpose). */
export const STAGE_WRITES: Record<StageName, readonly string[]> = {
  ingest: ['ingest_batches', 'ingest_files', 'run_batches', 'raw_rows'],
  validate: ['validation_reports', 'quarantine', ...SRC_TABLES],
  recordLineage: [],
  detectDrift: ['drift_features', 'drift_sources'],
  buildGraph: ['account_rollup', 'graph_edges'],
  retrain: ['model_versions', 'attribution', 'attribution_removal_effects', 'incrementality', 'survival_curves'],
  backtest: ['backtests'],
  evaluateGate: ['gate_verdicts', 'model_alias_events', 'audit_log'],
  score: ['score_plans', 'score_shards', 'contract_scores', 'account_score_runs', 'account_scores', 'finance_runs', 'finance_leakage', 'finance_channel_margins', 'finance_time_to_value', 'kpis', 'forecasts', 'forecast_totals', 'budget_recommendations'],
};

export const DATA_TABLES = [...new Set(['runs', 'audit_log', ...Object.values(STAGE_WRITES).flat()])];

/** Tables keyed by run id (outputs of drift .. score). */
export const RUN_TABLES = [...STAGE_WRITES.detectDrift, ...STAGE_WRITES.buildGraph, ...STAGE_WRITES.retrain, ...STAGE_WRITES.backtest, 'gate_verdicts', ...STAGE_WRITES.score];

export interface Fingerprint { n: number; hash: string }

/** Row count and an order-independent content hash of a whole table (or of the rows matching `where`). */
export async function fingerprint(db: TestDb, table: string, where = 'true', values: unknown[] = []): Promise<Fingerprint> {
  const r = await db.pool.query(
    `select count(*)::int as n, coalesce(md5(string_agg(md5(t::text), '' order by md5(t::text))), '') as hash from "${table}" t where ${where}`,
    values,
  );
  return { n: r.rows[0].n, hash: r.rows[0].hash };
}

export async function fingerprints(db: TestDb, tables: readonly string[]): Promise<Record<string, Fingerprint>> {
  const out: Record<string, Fingerprint> = {};
  for (const t of tables) out[t] = await fingerprint(db, t);
  return out;
}

export async function count(db: TestDb, table: string, where = 'true', values: unknown[] = []): Promise<number> {
  return (await fingerprint(db, table, where, values)).n;
}

export async function batchOfRun(db: TestDb, runId: string): Promise<string> {
  const r = await db.pool.query('select batch_id from run_batches where run_id = $1', [runId]);
  if (!r.rowCount) throw new Error(`run ${runId} has no batch`);
  return r.rows[0].batch_id;
}

/** `omit` a key of a summary (e.g. `reused`, which says whether the work was found done). */
export function without<T extends Record<string, unknown>>(o: T, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

/**
 * Makes `model` the renewal version a scored run serves: its params replace
 * the run's renewal version's (model_versions is append-only by trigger; a
 * test's own schema sets the triggers aside for this one update) and the
 * gate's verdict lets it serve. For worlds too small to fit the model a test
 * needs to see scored.
 */
export async function serveRenewalModel(db: TestDb, runId: string, model: unknown): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('set session_replication_role = replica');
    await client.query(`update model_versions set params = $2 where run_id = $1 and family = 'renewal'`, [runId, JSON.stringify(model)]);
    await client.query('set session_replication_role = origin');
  } finally {
    client.release();
  }
  await db.pool.query(`update gate_verdicts set promote = promote || '["renewal"]'::jsonb where run_id = $1`, [runId]);
}

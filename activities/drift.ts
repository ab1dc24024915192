import { configSchema } from '../config/schema';
import { asOfDate, monthFromIndex, monthIndex, monthOf, toMs, DAY_MS } from '../lib/dates';
import {
  EMPTY_CATEGORY, categoryDrift, numberDrift, rowCountAnomaly, shareDrift, sourceDrift,
  type DriftThresholds, type FeatureDrift, type FeatureKind, type RowCountCheck,
} from '../models/drift';
import type { Db } from '../sql/db';
import { latestValidatedRunBefore, validatedRunsBefore } from '../store/runs';
import { inLockedTransaction } from '../store/transaction';
import { insertDrift, runHasDrift } from '../store/drift';
import { sourceMonthCount, sourceWindowRows } from '../store/sources';
import { ActivityDeps, heartbeat, runContext, withStage } from './context';
import { pgDataset } from '../lib/openlineage';

/**
 * Drift: how far this drop's recent records have moved from a reference, per
 * feature and per source, and whether each source's row count is out of line
 * with earlier runs. Any drifted source or anomalous count forces a retrain.
 *
 * What is compared. Drops are cumulative snapshots (the full history every
 * month), so comparing whole drops would mostly compare the same old rows.
 * Each dated source is cut to a window of three months: this drop's records
 * dated in the run's month and the two before, against the reference drop's
 * records dated in its own run's last three months. Accounts are dated by
 * created_at (new accounts), not taken whole: whole account tables of two
 * snapshots are nearly the same rows, and a shift in who signs up would drown.
 *
 * The reference is the drop of the last run of an earlier month that a
 * reviewer approved (`approvals`), else the latest earlier run whose batch
 * passed validation. With no earlier run, it is this same drop's twelve
 * months before the current window, so a first run still gets a report.
 *
 * Every record is read as it stood at the end of its three-month window: an
 * opportunity closed after it is still open, a contract ending after it is
 * active, an invoice paid after it is unpaid. The same-drop reference's twelve
 * months are read as four such windows, each as of its own end, so its
 * records are as old as the current window's when they are looked at (read
 * as of one date, a year-old deal has had a year to close and a new one
 * weeks: stage and days to close would differ by construction).
 *
 * Row counts: the records of the run's month (accounts: created in it)
 * against the same count of each earlier run (one per month, the latest
 * version, its own batch), up to twelve of them.
 */
export const DRIFT_WINDOW_MONTHS = 3;
/** The same-drop reference: this many months before the current window. */
export const SAME_DROP_MONTHS = 12;
export const ROW_HISTORY_RUNS = 12;

type Value = number | string | null;
interface FeatureSpec {
  feature: string;
  kind: FeatureKind;
  /** The feature's value of a row as it stood on `asOf` (null: missing, left out of numbers). */
  value: (row: any, asOf: string) => Value;
}
interface SourceSpec {
  source: 'accounts' | 'opportunities' | 'contracts' | 'touchpoints' | 'spend' | 'usage' | 'invoices';
  table: string;
  /** The column a record is dated by, and how to compare it in SQL. */
  dateColumn: string;
  dateKind: 'date' | 'timestamp' | 'month';
  columns: readonly string[];
  features: FeatureSpec[];
  /** Features over the whole window rather than row by row (the spend's channel share). */
  shares?: { feature: string; key: (row: any) => string; weight: (row: any) => number }[];
}

const days = (from: string, to: string) => Math.round((toMs(to) - toMs(from)) / DAY_MS);
const cat = (column: string): FeatureSpec => ({ feature: column, kind: 'category', value: (r) => r[column] ?? EMPTY_CATEGORY });
const num = (column: string): FeatureSpec => ({ feature: column, kind: 'number', value: (r) => r[column] ?? null });

export const DRIFT_SOURCES: readonly SourceSpec[] = [
  { source: 'accounts', table: 'src_accounts', dateColumn: 'created_at', dateKind: 'date',
    columns: ['created_at', 'segment', 'industry', 'region'], features: [cat('segment'), cat('industry'), cat('region')] },
  { source: 'opportunities', table: 'src_opportunities', dateColumn: 'created_at', dateKind: 'date',
    columns: ['created_at', 'closed_at', 'stage', 'amount_usd', 'lead_source', 'product'],
    features: [
      num('amount_usd'),
      { feature: 'stage', kind: 'category', value: (r, asOf) => (r.closed_at !== null && r.closed_at < asOf ? r.stage : 'open') },
      cat('lead_source'), cat('product'),
      { feature: 'days_to_close', kind: 'number', value: (r, asOf) => (r.closed_at !== null && r.closed_at < asOf ? days(r.created_at, r.closed_at) : null) },
    ] },
  { source: 'contracts', table: 'src_contracts', dateColumn: 'start_date', dateKind: 'date',
    columns: ['start_date', 'end_date', 'acv_usd', 'term_months', 'discount_pct', 'status'],
    features: [
      num('acv_usd'), num('term_months'), num('discount_pct'),
      { feature: 'status', kind: 'category', value: (r, asOf) => (r.end_date >= asOf ? 'active' : r.status) },
    ] },
  { source: 'touchpoints', table: 'src_touchpoints', dateColumn: 'occurred_at', dateKind: 'timestamp',
    columns: ['occurred_at', 'channel', 'kind'], features: [cat('channel'), cat('kind')] },
  { source: 'spend', table: 'src_spend', dateColumn: 'month', dateKind: 'month',
    columns: ['month', 'channel', 'amount_usd'], features: [num('amount_usd')],
    shares: [{ feature: 'channel_share', key: (r) => r.channel, weight: (r) => Number(r.amount_usd) }] },
  { source: 'usage', table: 'src_usage', dateColumn: 'month', dateKind: 'month',
    columns: ['month', 'active_users', 'usage_units'], features: [num('active_users'), num('usage_units')] },
  { source: 'invoices', table: 'src_invoices', dateColumn: 'issued_at', dateKind: 'date',
    columns: ['issued_at', 'amount_usd', 'paid_at'],
    features: [
      num('amount_usd'),
      { feature: 'days_to_pay', kind: 'number', value: (r, asOf) => (r.paid_at !== null && r.paid_at < asOf ? days(r.issued_at, r.paid_at) : null) },
    ] },
];

/** Months from..to inclusive (YYYY-MM). */
interface Window { from: string; to: string }
const windowEnding = (month: string, months: number): Window =>
  ({ from: monthFromIndex(monthIndex(month) - months + 1), to: month });

/** The date a record of `month` is read as of: the end of its three-month block, blocks counted back from the window's end. */
function asOfIn(w: Window, month: string): string {
  const end = monthIndex(w.to);
  return asOfDate(monthFromIndex(end - DRIFT_WINDOW_MONTHS * Math.floor((end - monthIndex(month)) / DRIFT_WINDOW_MONTHS)));
}

interface Reference { runId: string | null; month: string; batchId: string; approved: boolean }

export interface DriftSummary extends Record<string, unknown> {
  /** Sources whose share of drifted features reached `shareDrifted`. */
  driftedSources: string[];
  /** `source.feature` of every drifted feature. */
  driftedFeatures: string[];
  /** Features tested (not counting those with an empty sample). */
  features: number;
  /** Sources whose row count is anomalous against earlier runs. */
  rowAnomalies: string[];
  retrainForced: boolean;
  reference: string;
}

export function driftActivity(deps: ActivityDeps) {
  return async function detectDrift({ runId, thresholds }: { runId: string; thresholds?: DriftThresholds }) {
    return withStage(deps, runId, 'drift', async () => {
      const parsed = configSchema.shape.drift.safeParse(thresholds ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`detectDrift: thresholds.${issue.path.join('.')}: ${issue.message}`);
      }
      const t = parsed.data;
      const { run, batchId } = await runContext(deps, runId);
      const reference = await findReference(deps.db, run.month, batchId);
      const current = windowEnding(run.month, DRIFT_WINDOW_MONTHS);
      const refWindow = reference.runId === null
        ? windowEnding(monthFromIndex(monthIndex(current.from) - 1), SAME_DROP_MONTHS)
        : windowEnding(reference.month, DRIFT_WINDOW_MONTHS);

      const history = await earlierRuns(deps.db, run.month);

      const featureRows: FeatureRow[] = [];
      const sourceRows: SourceRow[] = [];
      for (const spec of DRIFT_SOURCES) {
        const cur = await sourceWindowRows(deps.db, spec, batchId, current);
        const ref = await sourceWindowRows(deps.db, spec, reference.batchId, refWindow);
        const refAsOf = ref.map((r) => asOfIn(refWindow, monthOf(r[spec.dateColumn])));
        const curAsOf = cur.map((r) => asOfIn(current, monthOf(r[spec.dateColumn])));
        const results: { feature: string; result: FeatureDrift }[] = spec.features.map((f) => ({
          feature: f.feature,
          result: f.kind === 'number'
            ? numberDrift(numbers(ref, (r, i) => f.value(r, refAsOf[i])), numbers(cur, (r, i) => f.value(r, curAsOf[i])), t)
            : categoryDrift(ref.map((r, i) => String(f.value(r, refAsOf[i]))), cur.map((r, i) => String(f.value(r, curAsOf[i]))), t),
        }));
        for (const s of spec.shares ?? []) {
          const weights = (rows: any[]) => {
            const m = new Map<string, number>();
            for (const r of rows) m.set(s.key(r), (m.get(s.key(r)) ?? 0) + s.weight(r));
            return m;
          };
          results.push({ feature: s.feature, result: shareDrift(weights(ref), weights(cur), t) });
        }
        const verdict = sourceDrift(results.map((r) => r.result), t);
        const count = await sourceMonthCount(deps.db, spec, batchId, run.month);
        const earlier: { runId: string; month: string; rows: number }[] = [];
        for (const h of history) earlier.push({ runId: h.runId, month: h.month, rows: await sourceMonthCount(deps.db, spec, h.batchId, h.month) });
        const rowCheck = rowCountAnomaly(count, earlier.map((e) => e.rows), t);
        for (const { feature, result } of results) featureRows.push(featureRow(runId, spec.source, feature, result, reference.runId));
        sourceRows.push(sourceRow(runId, spec.source, cur.length, ref.length, verdict, rowCheck, {
          reference: reference.runId === null ? 'same drop' : { runId: reference.runId, month: reference.month, approved: reference.approved },
          window: { current: [current.from, current.to], reference: [refWindow.from, refWindow.to] },
          rowCount: { month: run.month, rows: count, earlier, ...rowCheck },
          features: { tested: verdict.tested, drifted: verdict.drifted },
        }));
        heartbeat({ drift: spec.source });
      }

      const stored = await inLockedTransaction(deps, `drift:${runId}`, async (_client, tx) => {
        if (await runHasDrift(tx, runId)) return false;
        await insertDrift(tx, featureRows.map((f) => ({ ...f, detail: JSON.stringify(f.detail) })), sourceRows.map((s) => ({ ...s, detail: JSON.stringify(s.detail) })));
        return true;
      });
      // A stage found done reports what was stored then, not what this attempt computed.
      const summary = stored ? summarize(featureRows, sourceRows, reference) : await storedSummary(deps.db, runId);
      const inputs = [...new Set(DRIFT_SOURCES.map((s) => s.table))].map((table) => pgDataset(deps.db.schema, table));
      return {
        summary,
        inputs,
        outputs: ['drift_features', 'drift_sources'].map((table) => pgDataset(deps.db.schema, table)),
      };
    });
  };
}

function numbers(rows: any[], value: (r: any, i: number) => Value): number[] {
  const out: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const v = value(rows[i], i);
    if (v !== null && v !== '') out.push(Number(v));
  }
  return out;
}

interface FeatureRow {
  run_id: string; source: string; feature: string; kind: FeatureKind; method: FeatureDrift['method']; statistic: number | null;
  p_value: number | null; psi: number | null; threshold: number; drifted: boolean; reference_run_id: string | null; detail: Record<string, unknown>;
}
interface SourceRow {
  run_id: string; source: string; rows: number; reference_rows: number; row_count_z: number | null; row_anomaly: boolean;
  drifted_share: number; drifted: boolean; detail: Record<string, unknown>;
}

function featureRow(runId: string, source: string, feature: string, r: FeatureDrift, referenceRunId: string | null): FeatureRow {
  return {
    run_id: runId, source, feature, kind: r.kind, method: r.method, statistic: r.statistic, p_value: r.pValue, psi: r.psi,
    threshold: r.threshold, drifted: r.drifted, reference_run_id: referenceRunId,
    detail: { testedAs: r.testedAs, psiLevel: r.psiLevel, referenceN: r.referenceN, currentN: r.currentN, ...r.detail,
      decidedBy: r.decidedBy, psiCounted: r.psiCounted, reason: r.reason },
  };
}

function sourceRow(runId: string, source: string, rows: number, referenceRows: number, verdict: ReturnType<typeof sourceDrift>,
  rowCheck: RowCountCheck, detail: Record<string, unknown>): SourceRow {
  return {
    run_id: runId, source, rows, reference_rows: referenceRows, row_count_z: rowCheck.z, row_anomaly: rowCheck.status === 'anomaly',
    drifted_share: verdict.share, drifted: verdict.isDrifted, detail,
  };
}

function summarize(features: FeatureRow[], sources: SourceRow[], reference: { runId: string | null }): DriftSummary {
  const driftedSources = sources.filter((s) => s.drifted).map((s) => s.source).sort();
  const rowAnomalies = sources.filter((s) => s.row_anomaly).map((s) => s.source).sort();
  return {
    driftedSources,
    driftedFeatures: features.filter((f) => f.drifted).map((f) => `${f.source}.${f.feature}`).sort(),
    features: features.filter((f) => f.method !== 'none').length,
    rowAnomalies,
    retrainForced: driftedSources.length > 0 || rowAnomalies.length > 0,
    reference: reference.runId ?? 'same drop',
  };
}

async function storedSummary(handle: Db, runId: string): Promise<DriftSummary> {
  const features = await handle.db.selectFrom('drift_features').selectAll().where('run_id', '=', runId).execute();
  const sources = await handle.db.selectFrom('drift_sources').selectAll().where('run_id', '=', runId).execute();
  return summarize(features as FeatureRow[], sources as SourceRow[], { runId: features.find((f) => f.reference_run_id !== null)?.reference_run_id ?? null });
}

/**
 * The approved run of an earlier month (latest month, then version), else the
 * latest earlier run whose batch passed validation, else this drop itself.
 */
async function findReference(handle: Db, month: string, batchId: string): Promise<Reference> {
  const approved = await latestValidatedRunBefore(handle.db, month, { approved: true });
  if (approved) return { runId: approved.run_id, month: approved.month, batchId: approved.batch_id, approved: true };
  const latest = await latestValidatedRunBefore(handle.db, month, { approved: false });
  if (latest) return { runId: latest.run_id, month: latest.month, batchId: latest.batch_id, approved: false };
  return { runId: null, month, batchId, approved: false };
}

/** Earlier runs with a validated batch, one per month (its latest version), most recent first. */
async function earlierRuns(handle: Db, month: string): Promise<{ runId: string; month: string; batchId: string }[]> {
  const rows = await validatedRunsBefore(handle.db, month);
  const seen = new Set<string>();
  const out: { runId: string; month: string; batchId: string }[] = [];
  for (const r of rows) {
    if (seen.has(r.month)) continue;
    seen.add(r.month);
    out.push({ runId: r.run_id, month: r.month, batchId: r.batch_id });
    if (out.length === ROW_HISTORY_RUNS) break;
  }
  return out;
}

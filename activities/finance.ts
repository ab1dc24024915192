import type { AcvloopConfig } from '../config/schema';
import { billedVsContracted } from '../models/finance/billed-vs-contracted';
import { grossMarginByChannel } from '../models/finance/margin';
import { DEFAULT_OVERDUE_DAYS, realized, type FinanceInvoice } from '../models/finance/realized';
import { timeToValue } from '../models/finance/time-to-value';
import { financeRun, insertFinance, type FinanceRunRow } from '../store/finance';
import { inLockedTransaction } from '../store/transaction';
import { heartbeat, runContext, type ActivityDeps } from './context';
import { loadSources } from './load';

/** What the stage reports: the headline figures, and whether it found them already stored. */
export interface FinanceStageSummary {
  billed: number;
  collected: number;
  dsoDays: number | null;
  overdue: number;
  leakage: number;
  channels: number;
  segments: number;
  reused: boolean;
}

const summaryOf = (row: FinanceRunRow, channels: number, segments: number, reused: boolean): FinanceStageSummary => ({
  billed: row.billed, collected: row.collected, dsoDays: row.dso_days, overdue: row.overdue_count, leakage: row.leakage, channels, segments, reused,
});

/**
 * Contract finance of a run (issue 17, parts 1-3) from its validated batch:
 * billed, collected, DSO and overdue over the twelve months ending with the
 * run's month, the active contracts' billing against what they earned and the
 * largest gaps, gross margin by lead source and per dollar of its channel's
 * spend, and time to value by segment. Stored in one transaction under the
 * run's lock, so a retried or duplicated call stores it once; a later call
 * returns what the first stored. The workflow runs it beside the score
 * shards; the score stage runs it itself for a run started before that.
 * @example
 * await storeFinance(deps, 'run-2026-10'); // { billed: 1.2e6, collected: 1.1e6, dsoDays: 36.4, overdue: 12, ... }
 */
export async function storeFinance(deps: ActivityDeps, runId: string, opts: { overdueDays?: number } = {}): Promise<FinanceStageSummary> {
  const { db } = deps.db;
  const stored = async (reused: boolean): Promise<FinanceStageSummary | undefined> => {
    const row = await financeRun(db, runId);
    if (!row) return undefined;
    const s = row.summary as { channels?: unknown[]; segments?: unknown[] };
    return summaryOf(row, s.channels?.length ?? 0, s.segments?.length ?? 0, reused);
  };
  const known = await stored(true);
  if (known) return known;
  const { run, batchId, asOf, scope } = await runContext(deps, runId);
  const month = run.month;
  // invoices are read whole: the due_at of contract 1.1.0 comes with them when the batch has it.
  const rows = await loadSources(deps, batchId, ['accounts', 'opportunities', 'contracts', 'spend', 'invoices', 'usage'], {
    accounts: ['account_id', 'segment'],
    opportunities: ['opportunity_id', 'lead_source'],
    contracts: ['contract_id', 'account_id', 'opportunity_id', 'start_date', 'end_date', 'total_value', 'total_value_usd', 'currency', 'status',
      'acv_usd', 'cost_to_serve_annual_usd'],
    spend: ['month', 'channel', 'amount_usd'],
    usage: ['account_id', 'month', 'active_users'],
  }, scope);
  heartbeat({ finance: 'rows read' });
  const invoices: FinanceInvoice[] = rows.invoices;
  // The run's config decides (a run started before the key existed takes the default).
  const overdueDays = opts.overdueDays ?? (run.config as Partial<AcvloopConfig> | null)?.finance?.overdueDays ?? DEFAULT_OVERDUE_DAYS;
  const real = realized(invoices, month, { overdueDays });
  const billing = billedVsContracted(rows.contracts, invoices, month);
  const { largest: _listed, ...billingTotals } = billing;
  const margin = grossMarginByChannel(rows.contracts, rows.opportunities, rows.spend, month);
  const ttv = timeToValue(rows.contracts, rows.accounts, rows.usage, month);
  const row: FinanceRunRow = {
    run_id: runId, month, as_of: asOf, overdue_days: overdueDays, invoices: real.invoices,
    billed: real.billed, collected: real.collected, dso_days: real.dsoDays, overdue_count: real.overdue.count, overdue_amount: real.overdue.amount,
    expected_to_date: billing.expected, billed_to_date: billing.billed, leakage: billing.leakage,
    summary: {
      window: real.window, realized: real,
      billedVsContracted: billingTotals,
      marginWindow: margin.window, channels: margin.channels, timeToValue: ttv.overall, segments: ttv.segments, ttvByRenewal: ttv.byRenewal,
    },
  };
  const wrote = await inLockedTransaction(deps, `finance:${runId}`, async (_client, tx) => {
    if (await financeRun(tx, runId)) return false;
    await insertFinance(tx, row, {
      leakage: billing.largest.map((g, i) => ({ rank: i + 1, ...g })),
      margins: margin.channels.map((c) => ({
        lead_source: c.leadSource, channel: c.channel, contracts: c.contracts, acv: c.acv, cost_to_serve: c.costToServe,
        gross_margin: c.grossMargin, spend: c.spend, margin_per_dollar: c.marginPerDollar,
      })),
      timeToValue: [ttv.overall, ...ttv.segments].map((t) => ({
        segment: t.segment, contracts: t.contracts, valued: t.valued, median_days: t.medianDays, pending: t.pending, no_usage: t.noUsage, before_usage: t.beforeUsage,
      })),
    });
    return true;
  });
  return (await stored(!wrote))!;
}

/** The Temporal activity: the run's contract finance, once per run, on any worker. */
export function financeActivities(deps: ActivityDeps) {
  return { storeFinance: ({ runId }: { runId: string }) => storeFinance(deps, runId) };
}

import type { SegmentTimeToValue } from '../models/finance/time-to-value';
import type { Kysely } from 'kysely';
import { financeWindow, type FinanceWindow } from '../models/finance/window';
import type { Database } from '../sql/database';
import { financeRowsOf, financeRun, type FinanceLeakageRow, type FinanceMarginRow, type FinanceRunRow, type FinanceTimeToValueRow } from '../store/finance';

/**
 * A run's contract finance (issue 17, parts 1-3) as `show --json` carries it
 * under `finance` and the report's section reads it: billed and collected
 * over the twelve months to the run's month, billing against what the active
 * contracts earned, gross margin by lead source and per dollar of its
 * channel's spend, and time to value by segment. Read back as stored (USD and
 * days, unrounded), nothing recomputed but the collected share.
 */

/** An active contract billed behind what it earned to date (USD at its start-month rate). */
export interface LeakageLine {
  rank: number;
  contractId: string;
  accountId: string;
  /** Elapsed share of its term at the month end, 0..1. */
  elapsed: number;
  expected: number;
  billed: number;
  gap: number;
}

/** The gross margin of one lead source's active contracts (annual, USD), and per dollar of its channel's spend over the window. */
export interface ChannelMarginLine {
  leadSource: string;
  /** The spend channel the lead source maps to; null for opportunities without a lead source. */
  channel: string | null;
  contracts: number;
  acv: number;
  costToServe: number;
  /** acv − costToServe. */
  margin: number;
  /** The channel's spend over the window; null when the lead source has no channel. */
  spend: number | null;
  /** margin / spend; null when the channel spent nothing in the window. */
  marginPerDollar: number | null;
}

/** Days from first contracts' start to the first month of active usage, for one segment ('all' for every segment): the model's line as stored. */
export type TimeToValueLine = SegmentTimeToValue;

/** `show --json`'s `finance`. */
export interface FinanceOverview {
  month: string;
  window: FinanceWindow;
  /** An unpaid invoice without a due date is overdue past this many days. */
  overdueDays: number;
  /** Invoices issued in the window. */
  invoices: number;
  billed: number;
  collected: number;
  /** collected / billed; null when nothing was billed. */
  collectedShare: number | null;
  /** Days from issue to payment over the paid invoices, weighted by amount; null when none was paid. */
  dsoDays: number | null;
  overdue: { count: number; amount: number };
  /** The active contracts' billing to date against what they earned; leakage sums the gaps of those billed behind, `largest` lists the largest. */
  billedVsContracted: { expected: number; billed: number; leakage: number; largest: LeakageLine[] };
  grossMarginByChannel: ChannelMarginLine[];
  timeToValue: { overall: TimeToValueLine | null; bySegment: TimeToValueLine[] };
}

const leakageLine = (l: FinanceLeakageRow): LeakageLine => ({
  rank: l.rank, contractId: l.contract_id, accountId: l.account_id, elapsed: l.elapsed, expected: l.expected, billed: l.billed, gap: l.gap,
});

const marginLine = (m: FinanceMarginRow): ChannelMarginLine => ({
  leadSource: m.lead_source, channel: m.channel, contracts: m.contracts, acv: m.acv, costToServe: m.cost_to_serve, margin: m.gross_margin,
  spend: m.spend, marginPerDollar: m.margin_per_dollar,
});

const ttvLine = (t: FinanceTimeToValueRow): TimeToValueLine => ({
  segment: t.segment, contracts: t.contracts, valued: t.valued, medianDays: t.median_days, pending: t.pending, noUsage: t.no_usage, beforeUsage: t.before_usage,
});

/** The window the stage stored in its summary; the run's month defines it, so a summary without one reads it from there. */
function windowOf(run: FinanceRunRow): FinanceWindow {
  const w = (run.summary as { window?: Partial<FinanceWindow> } | null)?.window;
  return w && typeof w.from === 'string' && typeof w.to === 'string' && typeof w.asOf === 'string'
    ? { from: w.from, to: w.to, asOf: w.asOf } : financeWindow(run.month);
}

/**
 * The run's finance as stored; null when the run has none (it ran before
 * finance was stored, or has not reached that step yet).
 * @example
 * await financeOverview(db, 'run-2026-10')
 * // { month: '2026-10', window: { from: '2025-11', to: '2026-10', asOf: '2026-11-01' }, billed: 1.2e6, collected: 1.1e6, collectedShare: 0.917, ... }
 */
export async function financeOverview(db: Kysely<Database>, runId: string): Promise<FinanceOverview | null> {
  const run = await financeRun(db, runId);
  if (!run) return null;
  const rows = await financeRowsOf(db, runId);
  const all = rows.timeToValue.find((t) => t.segment === ALL_SEGMENTS);
  return {
    month: run.month, window: windowOf(run), overdueDays: run.overdue_days, invoices: run.invoices,
    billed: run.billed, collected: run.collected, collectedShare: run.billed > 0 ? run.collected / run.billed : null, dsoDays: run.dso_days,
    overdue: { count: run.overdue_count, amount: run.overdue_amount },
    billedVsContracted: { expected: run.expected_to_date, billed: run.billed_to_date, leakage: run.leakage, largest: rows.leakage.map(leakageLine) },
    grossMarginByChannel: rows.margins.map(marginLine),
    timeToValue: { overall: all ? ttvLine(all) : null, bySegment: rows.timeToValue.filter((t) => t.segment !== ALL_SEGMENTS).map(ttvLine) },
  };
}

/** The segment key of the line over every segment (models/finance/time-to-value.ts's overall). */
const ALL_SEGMENTS = 'all';

/** The tables a run's finance is read from, as `show` lists its outputs. */
export const FINANCE_TABLES = ['finance_runs', 'finance_leakage', 'finance_channel_margins', 'finance_time_to_value'] as const;

/**
 * Billed against contracted (issue 17, part 1, `billedVsContracted`): for
 * each active contract, the value earned to date (its total value times the
 * elapsed share of its term) against what was billed for it to date; a
 * contract billed less than it earned leaks revenue.
 */
import type { ContractRow } from '../../contracts/rows';
import { toMs } from '../../lib/dates';
import type { FinanceInvoice } from './realized';
import { financeWindow } from './window';

export type FinanceContract = Pick<ContractRow,
  'contract_id' | 'account_id' | 'start_date' | 'end_date' | 'total_value' | 'total_value_usd' | 'currency' | 'status'>;

/** One active contract's position. USD at the contract's start-month rate. */
export interface BillingGap {
  contract_id: string;
  account_id: string;
  /** Elapsed share of the term at the month end, 0..1. */
  elapsed: number;
  expected: number;
  billed: number;
  /** expected − billed: positive when billing is behind. */
  gap: number;
}

export interface BilledVsContracted {
  /** Active contracts started by the month end. */
  contracts: number;
  expected: number;
  billed: number;
  /** Σ of the positive gaps: billing behind what was earned, not offset by contracts billed ahead (in-advance billing is the norm). */
  leakage: number;
  underBilled: number;
  /** The largest positive gaps, largest first. */
  largest: BillingGap[];
}

/** How many of the largest gaps are listed. */
export const DEFAULT_LEAKAGE_LINES = 20;

/** Gaps smaller than this (USD) are rounding of instalments, not leakage. */
const GAP_TOLERANCE_USD = 1;

/**
 * Expected and billed to date of every active contract started before the
 * month end of `month`. Expected = total value × (month end − start) /
 * (end − start), capped at the whole value. Both sides are in USD at the
 * contract's start-month rate (an invoice in the contract's currency is
 * converted at that rate; one in another currency keeps its own USD value):
 * a currency that moved since signing would otherwise read as leakage.
 * @example
 * billedVsContracted([{ contract_id: 'C1', account_id: 'A', start_date: '2026-05-01', end_date: '2027-05-01', total_value: 1200,
 *   total_value_usd: 1200, currency: 'USD', status: 'active' }], [], '2026-10').largest[0].expected // 604.93 (184 of the term's 365 days elapsed)
 */
export function billedVsContracted(
  contracts: readonly FinanceContract[], invoices: readonly FinanceInvoice[], month: string, opts: { lines?: number } = {},
): BilledVsContracted {
  const { asOf } = financeWindow(month);
  const endMs = toMs(asOf);
  const active = contracts.filter((c) => c.status === 'active' && c.start_date < asOf);
  const byContract = new Map<string, FinanceInvoice[]>();
  for (const inv of invoices) {
    if (inv.issued_at >= asOf) continue;
    const list = byContract.get(inv.contract_id);
    if (list) list.push(inv);
    else byContract.set(inv.contract_id, [inv]);
  }
  const gaps: BillingGap[] = active.map((c) => {
    const startMs = toMs(c.start_date);
    const elapsed = Math.min(1, Math.max(0, (endMs - startMs) / (toMs(c.end_date) - startMs)));
    const rate = c.total_value > 0 ? c.total_value_usd / c.total_value : null;
    const billed = (byContract.get(c.contract_id) ?? [])
      .reduce((s, inv) => s + (rate !== null && inv.currency === c.currency ? inv.amount * rate : inv.amount_usd), 0);
    const expected = c.total_value_usd * elapsed;
    return { contract_id: c.contract_id, account_id: c.account_id, elapsed, expected, billed, gap: expected - billed };
  });
  const behind = gaps.filter((g) => g.gap > GAP_TOLERANCE_USD).sort((a, b) => b.gap - a.gap || (a.contract_id < b.contract_id ? -1 : 1));
  return {
    contracts: gaps.length,
    expected: gaps.reduce((s, g) => s + g.expected, 0),
    billed: gaps.reduce((s, g) => s + g.billed, 0),
    leakage: behind.reduce((s, g) => s + g.gap, 0),
    underBilled: behind.length,
    largest: behind.slice(0, opts.lines ?? DEFAULT_LEAKAGE_LINES),
  };
}

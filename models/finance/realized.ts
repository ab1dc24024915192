/**
 * Realized against contracted (issue 17, part 1): what the invoices of the
 * last twelve months billed and collected, how long collection took, and
 * what is overdue at the run's month end. Amounts are the invoices'
 * `amount_usd`, which the contract converts at the FX rate of the issue month
 * (or of the latest earlier month with one), the rule the issue asks for.
 */
import type { InvoiceRow } from '../../contracts/rows';
import { DAY_MS, toMs } from '../../lib/dates';
import { financeWindow, inWindow, type FinanceWindow } from './window';

/**
 * An invoice as the finance figures read it. `due_at` is the optional column
 * of invoices contract 1.1.0; a row without it (or a drop without the column)
 * is judged overdue by its age.
 */
export type FinanceInvoice = Pick<InvoiceRow, 'invoice_id' | 'contract_id' | 'issued_at' | 'amount' | 'currency' | 'amount_usd' | 'paid_at'>
  & { due_at?: string | null };

/** Overdue default: an unpaid invoice older than this at the month end is overdue (when it has no due date). */
export const DEFAULT_OVERDUE_DAYS = 60;

export interface Overdue {
  count: number;
  /** USD at the issue month's rate. */
  amount: number;
  /** The age rule's threshold in days. */
  days: number;
  /** How many of `count` were judged by their due date, and how many by their age. */
  byDueDate: number;
  byAge: number;
}

export interface Realized {
  window: FinanceWindow;
  /** Invoices issued in the window. */
  invoices: number;
  /** Σ amount_usd of the window's invoices. */
  billed: number;
  /** Σ amount_usd of those paid by the month end. */
  collected: number;
  paidInvoices: number;
  /** Mean days from issue to payment over the paid ones, weighted by amount; null when none was paid. */
  dsoDays: number | null;
  overdue: Overdue;
}

/** Paid by the month end: a payment dated after it had not happened yet when the run's month closed. */
const paidBy = (inv: FinanceInvoice, asOf: string): boolean => inv.paid_at !== null && inv.paid_at < asOf;

/**
 * Billed, collected, DSO and overdue over the twelve months ending with
 * `month`. A credit note (amount <= 0) counts in billed and collected, but
 * neither weighs in DSO (nothing is waited for) nor is ever overdue.
 * Overdue: unpaid at the month end and, when the invoice has a due date,
 * past it (exact); otherwise issued more than `overdueDays` days before the
 * month end. Only the window's invoices are judged: older unpaid ones are
 * left to the receivables ledger, as the figures are the window's.
 * @example
 * realized([{ invoice_id: 'I1', contract_id: 'C1', issued_at: '2026-08-01', amount: 100, currency: 'USD', amount_usd: 100, paid_at: null }], '2026-10').overdue
 * // { count: 1, amount: 100, days: 60, byDueDate: 0, byAge: 1 }  (92 days old on 2026-11-01)
 */
export function realized(invoices: readonly FinanceInvoice[], month: string, opts: { overdueDays?: number } = {}): Realized {
  const window = financeWindow(month);
  const days = opts.overdueDays ?? DEFAULT_OVERDUE_DAYS;
  const endMs = toMs(window.asOf);
  let count = 0;
  let billed = 0;
  let collected = 0;
  let paidInvoices = 0;
  let weightedDays = 0;
  let weight = 0;
  const overdue: Overdue = { count: 0, amount: 0, days, byDueDate: 0, byAge: 0 };
  for (const inv of invoices) {
    if (!inWindow(window, inv.issued_at)) continue;
    count++;
    billed += inv.amount_usd;
    if (paidBy(inv, window.asOf)) {
      paidInvoices++;
      collected += inv.amount_usd;
      if (inv.amount_usd > 0) {
        weightedDays += inv.amount_usd * (toMs(inv.paid_at!) - toMs(inv.issued_at)) / DAY_MS;
        weight += inv.amount_usd;
      }
      continue;
    }
    if (inv.amount_usd <= 0) continue;
    const due = inv.due_at ?? null;
    const late = due !== null ? due < window.asOf : (endMs - toMs(inv.issued_at)) / DAY_MS > days;
    if (!late) continue;
    overdue.count++;
    overdue.amount += inv.amount_usd;
    if (due !== null) overdue.byDueDate++;
    else overdue.byAge++;
  }
  return { window, invoices: count, billed, collected, paidInvoices, dsoDays: weight > 0 ? weightedDays / weight : null, overdue };
}

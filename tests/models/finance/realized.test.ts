/**
 * Billed, collected, DSO and overdue on hand-made invoices, each figure
 * worked out by hand in the comments (run month 2026-10: window 2025-11 ..
 * 2026-10, month end 2026-11-01).
 */
import { describe, expect, it } from 'vitest';
import { realized, type FinanceInvoice } from '../../../models/finance/realized';

const inv = (id: string, issued_at: string, amount_usd: number, paid_at: string | null, due_at?: string | null): FinanceInvoice =>
  ({ invoice_id: id, contract_id: 'C1', issued_at, amount: amount_usd, currency: 'USD', amount_usd, paid_at, ...(due_at !== undefined ? { due_at } : {}) });

describe('realized', () => {
  const book = [
    inv('old', '2025-10-31', 999, null), // before the window: not counted at all
    inv('a', '2025-11-01', 100, '2025-11-11'), // paid after 10 days
    inv('b', '2026-06-15', 300, '2026-08-14'), // paid after 60 days
    inv('c', '2026-08-15', 50, null), // unpaid, 78 days old at 2026-11-01: overdue by age
    inv('d', '2026-09-10', 70, null), // unpaid, 52 days old: not yet overdue
    inv('e', '2026-10-20', 40, '2026-11-05'), // paid after the month end: unpaid as of the run
    inv('cn', '2026-07-01', -20, '2026-07-01'), // a credit note: billed and collected, no weight in DSO
    inv('next', '2026-11-02', 500, null), // after the window
  ];

  it('sums the window\'s invoices and those paid by the month end', () => {
    const r = realized(book, '2026-10');
    expect(r.window).toEqual({ from: '2025-11', to: '2026-10', asOf: '2026-11-01' });
    expect(r.invoices).toBe(6);
    expect(r.billed).toBeCloseTo(100 + 300 + 50 + 70 + 40 - 20, 9);
    expect(r.collected).toBeCloseTo(100 + 300 - 20, 9);
    expect(r.paidInvoices).toBe(3);
    // (100·10 + 300·60) / 400 = 47.5 days
    expect(r.dsoDays).toBeCloseTo(47.5, 9);
  });

  it('without due dates, an unpaid invoice is overdue past the age threshold (default 60 days, configurable)', () => {
    expect(realized(book, '2026-10').overdue).toEqual({ count: 1, amount: 50, days: 60, byDueDate: 0, byAge: 1 });
    // At 45 days, d (52 days old) is overdue too; e (12 days) is not.
    expect(realized(book, '2026-10', { overdueDays: 45 }).overdue).toEqual({ count: 2, amount: 120, days: 45, byDueDate: 0, byAge: 2 });
  });

  it('with due dates, overdue is exact: unpaid and past due at the month end, whatever the age', () => {
    const withDue = [
      inv('c', '2026-08-15', 50, null, '2026-11-15'), // 78 days old but not due yet: not overdue
      inv('d', '2026-09-10', 70, null, '2026-10-10'), // 52 days old, past due: overdue
      inv('e', '2026-10-20', 40, null, '2026-10-31'), // due on the last day of the month: past due at its end
      inv('f', '2026-08-01', 30, null, null), // the column is there but this cell is empty: judged by age (92 days)
      inv('g', '2026-09-01', 25, '2026-10-01', '2026-09-15'), // paid late, but paid: not overdue
    ];
    expect(realized(withDue, '2026-10').overdue).toEqual({ count: 3, amount: 70 + 40 + 30, days: 60, byDueDate: 2, byAge: 1 });
  });

  it('has no DSO when nothing was paid, and nothing at all on an empty book', () => {
    const r = realized([inv('c', '2026-08-15', 50, null)], '2026-10');
    expect(r.dsoDays).toBeNull();
    expect(realized([], '2026-10')).toMatchObject({ invoices: 0, billed: 0, collected: 0, dsoDays: null, overdue: { count: 0, amount: 0 } });
  });
});

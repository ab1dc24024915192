/** Billing against what active contracts earned, on hand-made contracts (run month 2026-10, month end 2026-11-01). */
import { describe, expect, it } from 'vitest';
import { billedVsContracted, type FinanceContract } from '../../../models/finance/billed-vs-contracted';
import type { FinanceInvoice } from '../../../models/finance/realized';

const contract = (id: string, start_date: string, end_date: string, total: number, status = 'active', currency = 'USD', rate = 1): FinanceContract =>
  ({ contract_id: id, account_id: `A-${id}`, start_date, end_date, total_value: total, total_value_usd: total * rate, currency, status: status as FinanceContract['status'] });
const inv = (contract_id: string, issued_at: string, amount: number, currency = 'USD', amount_usd = amount): FinanceInvoice =>
  ({ invoice_id: `${contract_id}-${issued_at}`, contract_id, issued_at, amount, currency, amount_usd, paid_at: null });

describe('billedVsContracted', () => {
  // Terms of exactly 365 days from 2026-05-01: 184 days elapsed at 2026-11-01.
  const half = 184 / 365;
  const contracts = [
    contract('upfront', '2026-05-01', '2027-05-01', 1200), // billed the year up front: ahead, no leakage
    contract('quarterly', '2026-05-01', '2027-05-01', 1200), // billed one quarter of two due: behind
    contract('none', '2026-05-01', '2027-05-01', 2400), // never billed: the largest gap
    contract('done', '2024-01-01', '2025-01-01', 600), // term over: expected is the whole value
    contract('churned', '2026-05-01', '2027-05-01', 5000, 'churned'), // not active: not judged
    contract('future', '2026-12-01', '2027-12-01', 5000), // starts after the month end
    // EUR at 1.1 at signing; its invoice converted at a later 1.3 would read 20% ahead: judged at the signing rate.
    contract('eur', '2026-05-01', '2027-05-01', 1000, 'active', 'EUR', 1.1),
  ];
  const invoices = [
    inv('upfront', '2026-05-01', 1200),
    inv('quarterly', '2026-05-01', 300),
    inv('done', '2024-01-01', 400),
    inv('quarterly', '2026-11-01', 300), // issued on the month end: not yet billed
    inv('eur', '2026-05-01', 1000 * half, 'EUR', 1000 * half * 1.3),
  ];

  it('compares each active contract\'s earned value with its billing to date and lists the gaps, largest first', () => {
    const r = billedVsContracted(contracts, invoices, '2026-10');
    expect(r.contracts).toBe(5);
    expect(r.largest.map((g) => g.contract_id)).toEqual(['none', 'quarterly', 'done']) // gaps 1209.9, 304.9, 200;
    const byId = Object.fromEntries(r.largest.map((g) => [g.contract_id, g]));
    expect(byId.none.expected).toBeCloseTo(2400 * half, 9);
    expect(byId.none.billed).toBe(0);
    expect(byId.done).toMatchObject({ elapsed: 1, expected: 600, billed: 400, gap: 200 });
    expect(byId.quarterly.gap).toBeCloseTo(1200 * half - 300, 9);
    expect(r.underBilled).toBe(3);
    expect(r.leakage).toBeCloseTo(2400 * half + 200 + 1200 * half - 300, 9);
    // Totals cover every active contract, those billed ahead included.
    expect(r.expected).toBeCloseTo((1200 + 1200 + 2400 + 1100) * half + 600, 9);
    expect(r.billed).toBeCloseTo(1200 + 300 + 400 + 1100 * half, 9);
  });

  it('lists at most the asked number of gaps', () => {
    expect(billedVsContracted(contracts, invoices, '2026-10', { lines: 1 }).largest.map((g) => g.contract_id)).toEqual(['none']);
  });
});

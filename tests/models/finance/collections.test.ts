/**
 * Collection histories against hand counts, and the LTV counting collected
 * cash: with every billed dollar worth κ = rate × (1 + r)^(−delay/365), the
 * expected LTV is the billing LTV with ACV (1 − c) replaced by ACV (κ − c),
 * exactly (models/ltv.ts), and the projected ARR does not move.
 */
import { describe, expect, it } from 'vitest';
import { collectionFactor, collectionHistory, type CollectionInvoice } from '../../../models/finance/collections';
import { contractLtv, type LtvContract } from '../../../models/ltv';

const inv = (contract_id: string, issued_at: string, amount_usd: number, paid_at: string | null): CollectionInvoice => ({ contract_id, issued_at, amount_usd, paid_at });
const SEGMENTS = new Map([['E1', 'enterprise'], ['E2', 'enterprise'], ['S1', 'smb']]);
const AS_OF = '2026-11-01';

describe('collectionHistory', () => {
  it('judges invoices old enough, amount-weighted, a payment known only before the as-of date', () => {
    const h = collectionHistory([
      inv('E1', '2026-01-01', 1000, '2026-01-31'), // 30 days
      inv('E2', '2026-02-01', 3000, '2026-03-13'), // 40 days
      inv('E2', '2026-03-01', 1000, null), // never paid
      inv('E1', '2026-05-01', 500, '2026-11-05'), // paid after the as-of date: unpaid then
      inv('E1', '2026-09-01', 9000, null), // 61 days old: not judged yet (120)
      inv('S1', '2026-01-01', 2000, '2026-01-11'), // 10 days
      inv('S1', '2026-02-01', -200, null), // a credit note: not judged
    ], SEGMENTS, AS_OF, { prior: 0 });
    expect(h.bySegment.enterprise.invoices).toBe(4);
    expect(h.bySegment.enterprise.rate).toBeCloseTo(4000 / 5500, 12);
    expect(h.bySegment.enterprise.delayDays).toBeCloseTo((1000 * 30 + 3000 * 40) / 4000, 12);
    expect(h.bySegment.smb).toEqual({ rate: 1, delayDays: 10, invoices: 1 });
    expect(h.overall.rate).toBeCloseTo(6000 / 7500, 12);
    expect(h.overall.delayDays).toBeCloseTo((1000 * 30 + 3000 * 40 + 2000 * 10) / 6000, 12);
  });

  it('shrinks a segment towards the book by `prior` invoices', () => {
    const rows = [inv('E1', '2026-01-01', 100, null), inv('S1', '2026-01-01', 100, '2026-01-21'), inv('S1', '2026-02-01', 100, '2026-02-21'), inv('S1', '2026-03-01', 100, '2026-03-21')];
    const h = collectionHistory(rows, SEGMENTS, AS_OF, { prior: 2 });
    expect(h.overall.rate).toBeCloseTo(0.75, 12);
    expect(h.bySegment.enterprise.rate).toBeCloseTo((1 * 0 + 2 * 0.75) / 3, 12);
    expect(h.bySegment.smb.rate).toBeCloseTo((3 * 1 + 2 * 0.75) / 5, 12);
    expect(h.bySegment.enterprise.delayDays).toBeCloseTo((1 * 0 + 2 * 20) / 3, 12);
  });

  it('collects everything at once without judged invoices', () => {
    expect(collectionHistory([], SEGMENTS, AS_OF).overall).toEqual({ rate: 1, delayDays: 0, invoices: 0 });
  });

  it('discounts a billed dollar for the delay at the annual rate', () => {
    expect(collectionFactor({ rate: 0.95, delayDays: 36.5 }, 0.1)).toBeCloseTo(0.95 * Math.pow(1.1, -0.1), 14);
    expect(collectionFactor({ rate: 1, delayDays: 0 }, 0.1)).toBe(1);
  });
});

describe('contractLtv with a collection history', () => {
  const contract: LtvContract = { contract_id: 'C1', segment: 'enterprise', acv_usd: 120_000, end_date: '2027-06-01', term_months: 12,
    cost_to_serve_annual_usd: 24_000, p_renew: 0.8, p_renew_path: [0.8, 0.85, 0.9] };
  const collection = { overall: { rate: 0.99, delayDays: 10 }, bySegment: { enterprise: { rate: 0.9, delayDays: 45 } } };

  it('is the billing LTV with ACV (1 − c) read as ACV (κ − c), its quantiles too; ARR unmoved', () => {
    const billing = contractLtv(contract, { asOf: AS_OF, seed: 1 });
    const cash = contractLtv(contract, { asOf: AS_OF, seed: 1, collection });
    const kappa = 0.9 * Math.pow(1.1, -45 / 365);
    const scale = (kappa - 0.2) / (1 - 0.2);
    expect(cash.collectionFactor).toBeCloseTo(kappa, 14);
    expect(billing.collectionFactor).toBe(1);
    for (const k of ['expected', 'p10', 'p50', 'p90', 'simulatedMean'] as const) expect(cash[k]).toBeCloseTo(billing[k] * scale, 6);
    expect(cash.projectedArr12m).toBe(billing.projectedArr12m);
  });

  it('takes the book\'s figures for a segment without its own', () => {
    const smb = { ...contract, segment: 'smb', cost_to_serve_annual_usd: null };
    const cash = contractLtv(smb, { asOf: AS_OF, seed: 1, collection });
    expect(cash.collectionFactor).toBeCloseTo(0.99 * Math.pow(1.1, -10 / 365), 14);
    expect(cash.expected).toBeCloseTo(contractLtv(smb, { asOf: AS_OF, seed: 1 }).expected * cash.collectionFactor, 6);
  });
});

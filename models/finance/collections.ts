/**
 * How a segment pays: of what it was billed, the share it paid, and how long
 * it took (issue 17, part 4). The LTV of a contract counts cash collected,
 * not invoices sent: each billed dollar is worth the segment's collection
 * rate, received its mean payment delay later, so discounted once more for
 * that delay at the LTV's own rate (models/ltv.ts `collection`).
 *
 * Judged are the invoices issued at least `judgedAfterDays` before the as-of
 * date with a positive amount: a younger invoice unpaid may just not be due
 * yet, and counting it unpaid would read every growing book as a bad payer.
 * A payment dated on or after the as-of date was not known then, so it counts
 * as unpaid. The rate is amount-weighted (a large unpaid invoice matters
 * more than a small one) and a segment's rate and delay are shrunk towards
 * the whole book's by `prior` invoices' worth, so a segment with few invoices
 * does not swing its customers' LTV on a handful of payments.
 */
import { DAY_MS, toMs } from '../../lib/dates';

export interface CollectionInvoice {
  contract_id: string;
  issued_at: string;
  amount_usd: number;
  paid_at: string | null;
}

export interface Collection {
  /** Share of the billed amount (USD) collected. */
  rate: number;
  /** Amount-weighted mean days from issue to payment over the paid invoices. */
  delayDays: number;
  /** Invoices judged. */
  invoices: number;
}

export interface CollectionHistory {
  overall: Collection;
  bySegment: Record<string, Collection>;
  judgedAfterDays: number;
}

/** Invoices younger than this at the as-of date are not judged. */
export const JUDGED_AFTER_DAYS = 120;
/** A segment's figures are shrunk towards the book's by this many invoices. */
export const COLLECTION_PRIOR = 20;

interface Tally { billed: number; collected: number; delayWeighted: number; n: number }
const rateOf = (t: Tally) => (t.billed > 0 ? t.collected / t.billed : 1);
const delayOf = (t: Tally) => (t.collected > 0 ? t.delayWeighted / t.collected : 0);

/**
 * Each segment's collection history at `asOf` (`YYYY-MM-DD`, the first day
 * not seen); a book without judged invoices collects everything at once.
 *
 * @example
 * collectionHistory([{ contract_id: 'C1', issued_at: '2026-01-01', amount_usd: 100, paid_at: '2026-01-31' },
 *   { contract_id: 'C1', issued_at: '2026-02-01', amount_usd: 100, paid_at: null }], new Map([['C1', 'smb']]), '2026-11-01', { prior: 0 });
 * // { overall: { rate: 0.5, delayDays: 30, invoices: 2 }, bySegment: { smb: { rate: 0.5, delayDays: 30, invoices: 2 } }, judgedAfterDays: 120 }
 */
export function collectionHistory(
  invoices: Iterable<CollectionInvoice>, segmentOfContract: ReadonlyMap<string, string>, asOf: string,
  options: { judgedAfterDays?: number; prior?: number } = {},
): CollectionHistory {
  const judgedAfterDays = options.judgedAfterDays ?? JUDGED_AFTER_DAYS;
  const prior = options.prior ?? COLLECTION_PRIOR;
  const end = toMs(asOf.slice(0, 10));
  const latestIssue = end - judgedAfterDays * DAY_MS;
  const all: Tally = { billed: 0, collected: 0, delayWeighted: 0, n: 0 };
  const bySegment = new Map<string, Tally>();
  for (const inv of invoices) {
    if (!(inv.amount_usd > 0)) continue;
    const issued = toMs(inv.issued_at.slice(0, 10));
    if (issued > latestIssue) continue;
    const segment = segmentOfContract.get(inv.contract_id) ?? '(unknown)';
    const t = bySegment.get(segment) ?? { billed: 0, collected: 0, delayWeighted: 0, n: 0 };
    bySegment.set(segment, t);
    const paid = inv.paid_at === null ? null : toMs(inv.paid_at.slice(0, 10));
    for (const x of [t, all]) {
      x.billed += inv.amount_usd;
      x.n++;
      if (paid !== null && paid < end) {
        x.collected += inv.amount_usd;
        x.delayWeighted += inv.amount_usd * Math.max(0, (paid - issued) / DAY_MS);
      }
    }
  }
  const overall = { rate: rateOf(all), delayDays: delayOf(all), invoices: all.n };
  const shrunk = (t: Tally): Collection => ({
    rate: (t.n * rateOf(t) + prior * overall.rate) / (t.n + prior),
    delayDays: (t.n * delayOf(t) + prior * overall.delayDays) / (t.n + prior),
    invoices: t.n,
  });
  return { overall, bySegment: Object.fromEntries([...bySegment].map(([s, t]) => [s, shrunk(t)])), judgedAfterDays };
}

/**
 * What a billed dollar is worth in cash today: the collection rate,
 * discounted for the payment delay at the annual `discountRate`.
 *
 * @example
 * collectionFactor({ rate: 0.95, delayDays: 36.5, invoices: 100 }, 0.1); // 0.95 × 1.1^(−0.1) ≈ 0.9411
 */
export function collectionFactor(c: Pick<Collection, 'rate' | 'delayDays'>, discountRate: number): number {
  return c.rate * Math.pow(1 + discountRate, -c.delayDays / 365);
}

/**
 * The LTV's model card: how a contract's lifetime value counts money, in
 * sentences a CFO can check (the report's renewals section and `show` print
 * them), from the score plan the run's contracts were scored with.
 */
import { COLLECTION_PRIOR, collectionFactor, type CollectionHistory } from './finance/collections';

/** The LTV's fixed settings (models/ltv.ts defaults, which the score stage uses). */
export const LTV_SETTINGS = { horizonYears: 5, discountRate: 0.1 } as const;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * The card's lines; `collections` is the plan's collection history (undefined
 * for a plan stored before LTV counted collections).
 *
 * @example
 * ltvCard({ overall: { rate: 0.95, delayDays: 34, invoices: 900 }, bySegment: {}, judgedAfterDays: 120 })[1];
 * // 'Revenue counts as cash collected: … the book collected 95.0% of what it billed, 34 days after the invoice on average …'
 */
export function ltvCard(collections: CollectionHistory | undefined): string[] {
  const { horizonYears, discountRate } = LTV_SETTINGS;
  const lines = [
    `LTV is the contract's net cash over ${horizonYears} years, discounted at ${pct(discountRate)} a year: ACV while it lives, each renewal `
      + 'taken with the probability the renewal model gives its history, grown by the book\'s mean renewal uplift, less the cost to serve '
      + '(its own, else its segment\'s median ratio of ACV). Projected ARR is billing: ACV × the chance it is alive in 12 months.',
  ];
  if (!collections) {
    lines.push('Revenue counts as billed: this run was scored before LTV counted collections.');
    return lines;
  }
  const o = collections.overall;
  lines.push(`Revenue counts as cash collected, not billed: each billed dollar is worth its segment's collection rate, received its mean `
    + `payment delay later and discounted for the wait (rate × ${(1 + discountRate).toFixed(2)}^(−days/365)); the cost to serve is paid in full. `
    + `Judged on the invoices of at least ${collections.judgedAfterDays} days, a payment known only by the run's date: the book collected `
    + `${pct(o.rate)} of what it billed, ${Math.round(o.delayDays)} days after the invoice on average (amount-weighted), over ${o.invoices} invoices; `
    + `a segment's figures are shrunk towards the book's by ${COLLECTION_PRIOR} invoices.`);
  for (const [segment, c] of Object.entries(collections.bySegment).sort()) {
    lines.push(`${segment}: collects ${pct(c.rate)} after ${Math.round(c.delayDays)} days (${c.invoices} invoices): a billed dollar counts ${collectionFactor(c, discountRate).toFixed(3)}.`);
  }
  return lines;
}

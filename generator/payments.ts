/**
 * When an invoice is paid (params.ts PAYMENTS): never, on time or late, with
 * probabilities of its segment moved by its account's usage trend. Draws from
 * stream "payments" only, so the invoice schedule (stream "invoices") and
 * every other file's values stay as they were.
 */
import { PAYMENTS, SEGMENT_LIST, USAGE } from './params';
import type { Rng } from './rng';

export interface Payment {
  dueDay: number;
  /** Day paid, null when never paid (the caller also blanks a payment after the as-of date). */
  paidDay: number | null;
}

/** What the model expects of one segment's invoices, summed invoice by invoice (truth.json `payments.bySegment.*.expected`). */
interface Expected { invoices: number; neverPaid: number; late: number; lateDays: number; delayDays: number }

/** How old an invoice must be at the as-of date to count in truth.json's expected figures. */
export const JUDGED_AFTER_DAYS = 365;

const logit = (p: number) => Math.log(p / (1 - p));
const logistic = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * A share moved by the account's usage trend on the logit scale; equal to the
 * share when the trend is the planted mean slope.
 *
 * @example
 * movedShare(0.2, USAGE.slopeMean); // 0.2
 * movedShare(0.2, USAGE.slopeMean - 0.02) > 0.2; // true: falling usage pays later
 */
export function movedShare(share: number, trend: number): number {
  return logistic(logit(share) + PAYMENTS.usageTrend * (trend - USAGE.slopeMean));
}

/** Mean of 1 + Geometric(q) failures with q = 1 / mean: exactly `mean` days late on average. */
function lateDays(rng: Rng, mean: number): number {
  if (mean <= 1) return 1;
  return 1 + Math.floor(Math.log(1 - rng.next()) / Math.log(1 - 1 / mean));
}

/**
 * Draws invoices' payments and keeps, per segment, the expected never-paid
 * share, late share of the paid and mean delay of the paid over the invoices
 * drawn, so truth.json can state what the drop should show.
 *
 * @example
 * const payments = new Payments(new Rng(7, 'payments'), asOfDay - JUDGED_AFTER_DAYS);
 * payments.draw(0, issuedDay, trend); // { dueDay: issuedDay + 60, paidDay: ... }
 */
export class Payments {
  private readonly expected: Expected[] = SEGMENT_LIST.map(() => ({ invoices: 0, neverPaid: 0, late: 0, lateDays: 0, delayDays: 0 }));

  /**
   * @param judgedBy the last issue day whose invoice counts in `expected`:
   *   a year before the as-of date, so a late payment of one would show in
   *   the drop (P(still unpaid a year on | late) is under 0.1% at every
   *   segment's terms and mean lateness).
   */
  constructor(private readonly rng: Rng, private readonly judgedBy: number) {}

  /** The payment of an invoice of a `segment` account (SEGMENT_LIST index) issued on `issuedDay`, its usage trend `trend` then. */
  draw(segment: number, issuedDay: number, trend: number): Payment {
    const p = PAYMENTS.bySegment[SEGMENT_LIST[segment]];
    const pNever = movedShare(p.neverPaidShare, trend);
    const pLate = movedShare(p.lateShare, trend);
    const onTimeMean = (PAYMENTS.earliestPaymentDays + p.termsDays) / 2;
    const e = issuedDay <= this.judgedBy ? this.expected[segment] : { invoices: 0, neverPaid: 0, late: 0, lateDays: 0, delayDays: 0 };
    e.invoices++;
    e.neverPaid += pNever;
    e.late += (1 - pNever) * pLate;
    e.lateDays += (1 - pNever) * pLate * p.meanLateDays;
    e.delayDays += (1 - pNever) * (pLate * (p.termsDays + p.meanLateDays) + (1 - pLate) * onTimeMean);
    const dueDay = issuedDay + p.termsDays;
    // The same draws per invoice whatever the outcome, so one invoice's fate never shifts the next one's draws.
    const never = this.rng.chance(pNever);
    const late = this.rng.chance(pLate);
    const onTime = this.rng.int(PAYMENTS.earliestPaymentDays, p.termsDays);
    const daysLate = lateDays(this.rng, p.meanLateDays);
    if (never) return { dueDay, paidDay: null };
    return { dueDay, paidDay: late ? dueDay + daysLate : issuedDay + onTime };
  }

  /**
   * truth.json `payments`: the planted parameters per segment and what they
   * make expected over the invoices written (an invoice's own probabilities,
   * moved by its account's trend, summed): the never-paid share of all, the
   * late share of the paid, the mean days late of the late and the mean days
   * from issue to payment of the paid.
   */
  truth() {
    return {
      definitions: {
        termsDays: 'due_at = issued_at + termsDays',
        neverPaidShare: 'P(an invoice is never paid) at the mean usage trend; logit moved by usageTrend × (the account\'s 6-month usage trend at the issue month − the mean slope)',
        lateShare: 'P(paid after due_at | paid) at the mean usage trend, moved the same way',
        meanLateDays: 'mean days from due_at to paid_at of a late invoice (1 + geometric)',
        onTime: `an invoice paid on time is paid a uniform whole number of days from ${PAYMENTS.earliestPaymentDays} to termsDays after issue`,
        expected: `over the invoices issued at least ${JUDGED_AFTER_DAYS} days before the as-of date (old enough for a late payment to show): their number, the expected never-paid share, late share of the paid, mean days late of the late and mean days from issue to payment of the paid, each invoice at its own moved probabilities`,
      },
      usageTrend: PAYMENTS.usageTrend,
      earliestPaymentDays: PAYMENTS.earliestPaymentDays,
      judgedAfterDays: JUDGED_AFTER_DAYS,
      bySegment: Object.fromEntries(SEGMENT_LIST.map((s, i) => {
        const e = this.expected[i];
        const paid = e.invoices - e.neverPaid;
        return [s, {
          ...PAYMENTS.bySegment[s],
          expected: {
            invoices: e.invoices,
            neverPaidShare: e.invoices > 0 ? e.neverPaid / e.invoices : null,
            lateShareOfPaid: paid > 0 ? e.late / paid : null,
            meanLateDays: e.late > 0 ? e.lateDays / e.late : null,
            meanDelayDaysOfPaid: paid > 0 ? e.delayDays / paid : null,
          },
        }];
      })),
    };
  }
}

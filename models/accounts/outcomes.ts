/**
 * What happened to an account in a window after a cut (the labels the
 * models learn from and the backtests judge on), and the historical cuts a
 * model is fitted on.
 *
 * Won: by default an opportunity of the account closed won within
 * [cut, cut + horizon). That is wholly known once the window has passed (a
 * deal opened in the window and still open when it ends has no outcome yet,
 * so "created in the window and won" undercounts the latest cuts' wins), and
 * it is what the issue judges a time split on: the new ACV won after the cut.
 * `created` keeps the other reading: created in the window and won by the
 * time the model is fitted (or the backtest judged).
 *
 * Expanded: a contract of the account starts within [cut, cut + horizon) and
 * either is new business (no previous_contract_id: a new product or more
 * seats bought through a won opportunity) or renews a contract at an ACV
 * above the one it replaces: the account pays more than it had. The drop has
 * no expansion flag on opportunities and no seat counts on contracts, so
 * contracts are the record of an account paying more. `minUplift` (0 by
 * default: any increase) leaves small uplifts out, e.g. 0.05 for price
 * indexation; on generated worlds 0.05 ranked worse (AUC 0.63–0.75 against
 * 0.70–0.75 over three seeds), the 1–5% uplifts being renewals all the same.
 * Its size is the new business's ACV plus each renewal's uplift.
 */
import { shiftMonths } from '../../lib/dates';
import { dayNumber, WON, type AccountBook } from './book';

export type WinOutcome = 'closed' | 'created';

/** Relative ACV uplift over the renewed contract above which a renewal is an expansion: any increase. */
export const MIN_UPLIFT = 0;

/** The day before a date: the last day whose rows are known at a cut on that date. */
export const dayBefore = (date: string): string => new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10) - 1)).toISOString().slice(0, 10);

/**
 * Cuts whose window of `horizonMonths` ends at or before `asOf`, every
 * `everyMonths` back from asOf − horizon, at most `maxCuts`, none earlier than
 * `minHistoryMonths` after `firstDate` (a cut needs some history to read).
 *
 * @example
 * trainingCuts('2026-11-01', '2024-01-01', { horizonMonths: 6, everyMonths: 3, maxCuts: 3, minHistoryMonths: 6 });
 * // ['2026-05-01', '2026-02-01', '2025-11-01']
 */
export function trainingCuts(
  asOf: string, firstDate: string,
  o: { horizonMonths: number; everyMonths: number; maxCuts: number; minHistoryMonths: number },
): string[] {
  const earliest = shiftMonths(firstDate.slice(0, 10), o.minHistoryMonths);
  const cuts: string[] = [];
  for (let k = 0; k < o.maxCuts; k++) {
    const cut = shiftMonths(asOf, -o.horizonMonths - k * o.everyMonths);
    if (cut < earliest) break;
    cuts.push(cut);
  }
  return cuts;
}

/**
 * The earliest date of the rows a label reads: the first opportunity created
 * (win) or the first contract started (expansion); null without any. A cut
 * before the CRM held any deal would label every account a loser.
 */
export function firstDateOf(book: AccountBook, rows: 'opportunities' | 'contracts'): string | null {
  const days = rows === 'opportunities' ? book.opportunities.created : book.contracts.startDay;
  let first = Infinity;
  for (const d of days) first = Math.min(first, d);
  return Number.isFinite(first) ? new Date(first * 86_400_000).toISOString().slice(0, 10) : null;
}

export interface Outcome {
  happened: boolean;
  /** Won ACV, or expansion ACV, in USD. */
  acvUsd: number;
}

/** Won outcome of account `s` over [from, to), known before `knownBefore` (all `YYYY-MM-DD`). */
export function wonIn(book: AccountBook, s: number, from: string, to: string, outcome: WinOutcome = 'closed', knownBefore = to): Outcome {
  const a = dayNumber(from);
  const b = dayNumber(to);
  const known = dayNumber(knownBefore);
  const o = book.opportunities;
  let acvUsd = 0;
  let happened = false;
  for (let k = o.start[s]; k < o.start[s + 1]; k++) {
    if (o.stage[k] !== WON || o.closed[k] < 0 || o.closed[k] >= known) continue;
    const day = outcome === 'closed' ? o.closed[k] : o.created[k];
    if (day >= a && day < b) { happened = true; acvUsd += o.amountUsd[k]; }
  }
  return { happened, acvUsd };
}

/** Expansion of account `s` over [from, to) (see the header). */
export function expansionIn(book: AccountBook, s: number, from: string, to: string, minUplift = MIN_UPLIFT): Outcome {
  const a = dayNumber(from);
  const b = dayNumber(to);
  const c = book.contracts;
  let acvUsd = 0;
  let happened = false;
  for (let k = c.start[s]; k < c.start[s + 1] && c.startDay[k] < b; k++) {
    if (c.startDay[k] < a) continue;
    const previous = c.previousAcvUsd[k];
    if (Number.isNaN(previous)) { happened = true; acvUsd += c.acvUsd[k]; }
    else if (c.acvUsd[k] > previous * (1 + minUplift)) { happened = true; acvUsd += c.acvUsd[k] - previous; }
  }
  return { happened, acvUsd };
}

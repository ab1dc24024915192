import { firstDay, lastDay, monthOfDay } from './calendar';
import { DRIFT } from './drift';
import type { WorldKnobs } from './world-knobs';

/** The settings every step of a drop reads: its seed, size and window, in absolute months and days. */
export interface DropFrame {
  seed: number;
  accountCount: number;
  months: number;
  /** Absolute month of the window's first month. */
  firstMonth: number;
  endMonth: number;
  windowStartDay: number;
  asOfDay: number;
  /** Accounts per 1,000: budgets and base rates are stated per 1,000 accounts. */
  scale: number;
  drift: boolean;
  /** Window month the planted drift starts at; Infinity (never) without --drift, so nothing downstream changes. */
  driftM: number;
  knobs?: WorldKnobs;
}

export function dropFrame(seed: number, accountCount: number, months: number, endMonth: number, drift: boolean, knobs?: WorldKnobs): DropFrame {
  const firstMonth = endMonth - months + 1;
  return {
    seed, accountCount, months, firstMonth, endMonth,
    windowStartDay: firstDay(firstMonth),
    asOfDay: lastDay(endMonth),
    scale: accountCount / 1000,
    drift,
    driftM: drift ? Math.max(0, months - DRIFT.months) : Infinity,
    knobs,
  };
}

/** Window month index (0 = the first month) of a day. */
export const windowMonthOf = (frame: DropFrame, day: number) => monthOfDay(day) - frame.firstMonth;

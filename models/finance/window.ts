/**
 * The twelve months a run's finance figures cover: the run's month and the
 * eleven before it (issue 17: month − 12 < m <= month), and the instant they
 * are read at, the run's month end (midnight UTC of the next month's first day).
 */
import { asOfDate, monthFromIndex, monthIndex } from '../../lib/dates';

export interface FinanceWindow {
  /** First and last month (YYYY-MM, inclusive). */
  from: string;
  to: string;
  /** The month end as a date: the first day after the window; a date before it is inside. */
  asOf: string;
}

/** @example financeWindow('2026-10') // { from: '2025-11', to: '2026-10', asOf: '2026-11-01' } */
export function financeWindow(month: string): FinanceWindow {
  return { from: monthFromIndex(monthIndex(month) - 11), to: month, asOf: asOfDate(month) };
}

/**
 * Whether a date, timestamp or month falls in one of the window's months.
 * @example inWindow(financeWindow('2026-10'), '2025-11-30') // true; '2025-10-31' is not
 */
export function inWindow(window: FinanceWindow, value: string): boolean {
  const m = value.slice(0, 7);
  return m >= window.from && m <= window.to;
}

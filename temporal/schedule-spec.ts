import type { CalendarSpec, DayOfWeek, Month, Range, ScheduleSpec } from '@temporalio/client';
import type { AcvloopConfig } from '../config/schema';
import { daysInMonth, isLeapYear, parseMonthParts, shiftMonths } from '../lib/dates';
import { zonedTimeToUtc } from '../lib/wall-clock';

/**
 * Pure date helpers of the monthly schedule: the config's `schedule` section
 * as Temporal calendars, when a month's cycle runs and what a backfill
 * covers. No I/O and no clock. Month arithmetic is lib/dates.ts; wall-clock
 * times of a time zone, and the month a scheduled time is for (which the
 * `scheduledCycle` workflow needs), are lib/wall-clock.ts.
 */
export type ScheduleConfig = AcvloopConfig['schedule'];

const WEEKDAYS: Range<DayOfWeek> = { start: 'MONDAY', end: 'FRIDAY', step: 1 };

/**
 * The years the last-business-day calendars cover exactly. February needs the
 * year (a Thursday the 28th is the last business day of a common year but
 * not of a leap year), a calendar names years as finite ranges, and the
 * Temporal server accepts years 2000-2100 in them.
 */
export const LAST_BUSINESS_DAY_YEARS = { first: 2000, last: 2100 } as const;

/** 'YYYY-MM' as numbers, the month 1-based (lib/dates' reading); throws a message a schedule's user reads. */
export function monthParts(month: string): { year: number; month: number } {
  const parts = parseMonthParts(month);
  if (!parts) throw new Error(`not a month (YYYY-MM): "${month}"`);
  return parts;
}

function formatMonth(year: number, month: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** Every month from `from` to `to`, both included. */
export function monthsFromTo(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = from; m <= to; m = shiftMonths(m, 1)) out.push(m);
  return out;
}

/**
 * The last Monday-to-Friday day of a month (public holidays are not known
 * here), as YYYY-MM-DD.
 * @example lastBusinessDay('2026-05') // '2026-05-29': the 31st is a Sunday
 */
export function lastBusinessDay(month: string): string {
  const { year, month: m } = monthParts(month);
  let day = daysInMonth(year, m);
  for (;;) {
    const weekday = new Date(Date.UTC(year, m - 1, day)).getUTCDay();
    if (weekday !== 0 && weekday !== 6) break;
    day -= 1;
  }
  return `${formatMonth(year, m)}-${String(day).padStart(2, '0')}`;
}

/**
 * Calendars that fire once a month, on its last business day. With L the
 * month's last day: the last business day is L when L is Monday to Friday,
 * L-1 when L is a Saturday (L-1 is then a Friday), L-2 when L is a Sunday
 * (a Friday again). So per month length, "day L on Monday-Friday" or "day
 * L-2..L-1 on a Friday" (only one of those two days can be a Friday, and it
 * is one exactly when L falls on the weekend): each month matches once. The
 * length of February depends on the year, so February has one pair of
 * calendars for leap years and one for common years, over
 * LAST_BUSINESS_DAY_YEARS.
 */
export function lastBusinessDayCalendars(hour: number, minute: number): CalendarSpec[] {
  const byLength = (last: number, months: Month[], year?: Range<number>[], comment = `last business day, ${last}-day months`): CalendarSpec[] => [
    { comment: `${comment}: day ${last} on a weekday`, hour, minute, month: months, dayOfMonth: last, dayOfWeek: WEEKDAYS, ...(year ? { year } : {}) },
    { comment: `${comment}: day ${last - 2} or ${last - 1} on a Friday`, hour, minute, month: months, dayOfMonth: { start: last - 2, end: last - 1 }, dayOfWeek: 'FRIDAY', ...(year ? { year } : {}) },
  ];
  const { leap, common } = februaryYears();
  return [
    ...byLength(31, ['JANUARY', 'MARCH', 'MAY', 'JULY', 'AUGUST', 'OCTOBER', 'DECEMBER']),
    ...byLength(30, ['APRIL', 'JUNE', 'SEPTEMBER', 'NOVEMBER']),
    ...byLength(29, ['FEBRUARY'], leap, 'last business day, February of leap years'),
    ...byLength(28, ['FEBRUARY'], common, 'last business day, February of common years'),
  ];
}

/** Leap and common years of LAST_BUSINESS_DAY_YEARS as year ranges (centuries not divisible by 400 are common). */
function februaryYears(): { leap: Range<number>[]; common: Range<number>[] } {
  const { first, last } = LAST_BUSINESS_DAY_YEARS;
  const leap: Range<number>[] = [];
  const common: Range<number>[] = [];
  // Every fourth year from `first` (a leap year divisible by 400), split at the common centuries.
  let start = first;
  for (let century = first + 100; century <= last + 1; century += 100) {
    if (isLeapYear(century)) continue;
    leap.push({ start, end: century - 4, step: 4 });
    common.push({ start: century, end: century, step: 1 });
    start = century + 4;
  }
  if (start <= last) leap.push({ start, end: last - ((last - start) % 4), step: 4 });
  for (let r = 1; r <= 3; r++) common.push({ start: first + r, end: last - ((last - first - r) % 4), step: 4 });
  return { leap, common };
}

/** The schedule's calendars: one for a fixed day of the month, or the last-business-day set. */
function scheduleCalendars(s: ScheduleConfig): CalendarSpec[] {
  if (s.dayOfMonth === 'last-business-day') return lastBusinessDayCalendars(s.hour, s.minute);
  return [{ comment: `day ${s.dayOfMonth} of every month`, dayOfMonth: s.dayOfMonth, hour: s.hour, minute: s.minute }];
}

export function scheduleSpecFor(s: ScheduleConfig): ScheduleSpec {
  return { calendars: scheduleCalendars(s), timezone: s.timeZone };
}

/** In words, for `describe`. */
export function describeWhen(s: ScheduleConfig): string {
  const at = `${String(s.hour).padStart(2, '0')}:${String(s.minute).padStart(2, '0')} ${s.timeZone}`;
  return s.dayOfMonth === 'last-business-day'
    ? `on the last business day (Monday-Friday) of each month at ${at}`
    : `on day ${s.dayOfMonth} of each month at ${at}`;
}

/** When the schedule runs the cycle of `month`: in the month after it, on the configured day, hour and minute. */
export function runTimeFor(month: string, s: ScheduleConfig): Date {
  const runMonth = shiftMonths(month, 1);
  const { year, month: m } = monthParts(runMonth);
  const day = s.dayOfMonth === 'last-business-day' ? Number(lastBusinessDay(runMonth).slice(8)) : s.dayOfMonth;
  return zonedTimeToUtc({ year, month: m, day, hour: s.hour, minute: s.minute }, s.timeZone);
}

/**
 * The time range a backfill of the cycles of months `from`..`to` covers: the
 * whole of each run month (month + 1) on the schedule's clock, so the
 * schedule's own times in it are taken, whichever day they fall on.
 */
export function backfillWindow(from: string, to: string, s: ScheduleConfig): { start: Date; end: Date } {
  if (from > to) throw new Error(`--from ${from} is after --to ${to}`);
  const first = monthParts(shiftMonths(from, 1));
  const after = monthParts(shiftMonths(to, 2));
  const start = zonedTimeToUtc({ year: first.year, month: first.month, day: 1, hour: 0, minute: 0 }, s.timeZone);
  const end = new Date(zonedTimeToUtc({ year: after.year, month: after.month, day: 1, hour: 0, minute: 0 }, s.timeZone).getTime() - 1000);
  return { start, end };
}

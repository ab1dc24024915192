import type { CalendarSpec, DayOfWeek, Month, Range, ScheduleSpec } from '@temporalio/client';
import type { AcvloopConfig } from '../config/schema';

/**
 * Pure date helpers of the monthly schedule: the config's `schedule` section
 * as Temporal calendars, the month a scheduled time is for, and local times
 * of a time zone as instants. No I/O and no clock: the `scheduledCycle`
 * workflow imports this file (only type imports above, erased at bundling).
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

/** 'YYYY-MM' as numbers; the month is 1-based. */
export function monthParts(month: string): { year: number; month: number } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new Error(`not a month (YYYY-MM): "${month}"`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

export function formatMonth(year: number, month: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** The month `n` months after `month` (n may be negative). */
export function addMonths(month: string, n: number): string {
  const p = monthParts(month);
  const index = p.year * 12 + (p.month - 1) + n;
  return formatMonth(Math.floor(index / 12), (index % 12) + 1);
}

/** Every month from `from` to `to`, both included. */
export function monthsFromTo(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = from; m <= to; m = addMonths(m, 1)) out.push(m);
  return out;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
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
export function scheduleCalendars(s: ScheduleConfig): CalendarSpec[] {
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

export interface LocalTime { year: number; month: number; day: number; hour: number; minute: number; second: number }

/** The wall-clock time of an instant in a time zone. */
export function localTime(at: Date, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/**
 * The month a scheduled run is for: the month before the scheduled time's
 * month, read on the schedule's wall clock (a run at 2026-09-01 02:00 in
 * Tokyo is 2026-08-31 17:00 UTC, and is for 2026-08 either way).
 * @example monthOfScheduledTime(new Date('2026-09-01T02:00:00Z'), 'UTC') // '2026-08'
 */
export function monthOfScheduledTime(at: Date, timeZone: string): string {
  const t = localTime(at, timeZone);
  return addMonths(formatMonth(t.year, t.month), -1);
}

/**
 * The instant a wall-clock time of a time zone names. A time repeated when
 * clocks go back is its first occurrence; a time skipped when they go forward
 * moves forward by the gap (02:30 on a 02:00 -> 03:00 night is 03:30).
 */
export function zonedTimeToUtc(t: Omit<LocalTime, 'second'> & { second?: number }, timeZone: string): Date {
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second ?? 0);
  const wallOf = (instant: number) => {
    const l = localTime(new Date(instant), timeZone);
    return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  };
  const offsetAt = (instant: number) => wallOf(instant) - Math.floor(instant / 1000) * 1000;
  // The offsets a day before and a day after (a zone changes offset at most once in between):
  // each gives a candidate instant; the earliest one that shows the wall time is the answer.
  const day = 86_400_000;
  const before = wall - offsetAt(wall - day);
  const after = wall - offsetAt(wall + day);
  const valid = [before, after].filter((c) => wallOf(c) === wall);
  // No candidate shows it: the wall time is skipped, and the offset before the jump moves it past the gap.
  return new Date(valid.length ? Math.min(...valid) : before);
}

/** When the schedule runs the cycle of `month`: in the month after it, on the configured day, hour and minute. */
export function runTimeFor(month: string, s: ScheduleConfig): Date {
  const runMonth = addMonths(month, 1);
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
  const first = monthParts(addMonths(from, 1));
  const after = monthParts(addMonths(to, 2));
  const start = zonedTimeToUtc({ year: first.year, month: first.month, day: 1, hour: 0, minute: 0 }, s.timeZone);
  const end = new Date(zonedTimeToUtc({ year: after.year, month: after.month, day: 1, hour: 0, minute: 0 }, s.timeZone).getTime() - 1000);
  return { start, end };
}

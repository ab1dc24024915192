/**
 * Date and month arithmetic shared by the contracts, the models and the
 * stages. Dates arrive as `YYYY-MM-DD` strings or UTC ISO timestamps; a date
 * alone means midnight UTC (data-drop spec). Pure: no clock, no I/O.
 */

export const DAY_MS = 86_400_000;

/**
 * Milliseconds since the epoch of a date or timestamp; throws on text that is not one.
 *
 * @example
 * toMs('2024-01-02') - toMs('2024-01-01'); // 86400000
 */
export function toMs(value: string): number {
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) throw new RangeError(`not a date or timestamp: ${JSON.stringify(value)}`);
  return ms;
}

/**
 * The `YYYY-MM` month of a date or timestamp.
 *
 * @example
 * monthOf('2024-03-31'); // '2024-03'
 */
export function monthOf(value: string): string {
  return value.slice(0, 7);
}

/**
 * The one reading of a `YYYY-MM` month: exactly four digits, a dash and a
 * month 01-12, or undefined. Character checks, no regex or Date: the drop's
 * cell parser calls it once per month cell. The callers below decide what a
 * refusal is (a RangeError, a message naming a CLI option, a bad cell).
 *
 * @example
 * parseMonthParts('2024-02'); // { year: 2024, month: 2 }
 * parseMonthParts('2024-13'); // undefined
 */
export function parseMonthParts(text: string): { year: number; month: number } | undefined {
  if (text.length !== 7 || text.charCodeAt(4) !== 45 /* - */) return undefined;
  let year = 0;
  for (let i = 0; i < 4; i++) {
    const c = text.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return undefined;
    year = year * 10 + c;
  }
  const m1 = text.charCodeAt(5) - 48;
  const m2 = text.charCodeAt(6) - 48;
  if (!(m1 >= 0 && m1 <= 9 && m2 >= 0 && m2 <= 9)) return undefined;
  const month = m1 * 10 + m2;
  if (month < 1 || month > 12) return undefined;
  return { year, month };
}

/**
 * Month index (year*12 + month-1) of a `YYYY-MM` month or of anything that
 * starts with one (a date, a timestamp): the models and stages count months
 * between dates, so only the first seven characters are read. Throws a
 * RangeError on anything else.
 *
 * @example
 * monthIndex('2024-02') - monthIndex('2023-12'); // 2
 * monthIndex('2024-02-29'); // monthIndex('2024-02')
 */
export function monthIndex(value: string): number {
  const parts = parseMonthParts(value.slice(0, 7));
  if (!parts) throw new RangeError(`not a month: ${JSON.stringify(value)}`);
  return parts.year * 12 + (parts.month - 1);
}

/**
 * The `YYYY-MM` string of a month index.
 *
 * @example
 * monthFromIndex(monthIndex('2024-12') + 1); // '2025-01'
 */
export function monthFromIndex(index: number): string {
  const y = Math.floor(index / 12);
  const m = index - y * 12 + 1;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
}

/**
 * A `YYYY-MM-DD` date or a `YYYY-MM` month shifted by whole calendar months
 * (`months` may be negative). A date keeps its day; a day past the month's end
 * rolls over, as Date.UTC does (callers shift month starts). A month gives a month.
 *
 * @example
 * shiftMonths('2026-11-01', -6); // '2026-05-01'
 * shiftMonths('2026-12', 1); // '2027-01'
 */
export function shiftMonths(value: string, months: number): string {
  if (value.length === 7) return monthFromIndex(monthIndex(value) + months);
  const [y, m, d] = value.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1 + months, d)).toISOString().slice(0, 10);
}

/**
 * The date a run's models see the world as of: the first day after the run's month.
 *
 * @example
 * asOfDate('2026-10'); // '2026-11-01'
 * asOfDate('2026-12'); // '2027-01-01'
 */
export function asOfDate(month: string): string {
  return `${monthFromIndex(monthIndex(month) + 1)}-01`;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Days of a month (1-based), by arithmetic: the drop's cell parser calls it
 * once per date cell, so no Date is built.
 *
 * @example
 * daysInMonth(2024, 2); // 29
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/*
 * Two ways to count the months between two dates. Both take the whole
 * calendar months and add the leftover days as a fraction; they differ in
 * what a month of leftover days is, and each has callers that rely on it.
 */

/**
 * Months from `from` to `to` (dates), the leftover days counted in average
 * months (30.4375 days): a duration in one unit whichever months it spans.
 * The models' tenure and remaining contract life (renewal, ltv, lifetimes).
 *
 * @example
 * monthsBetweenAverage('2024-01-01', '2025-01-01'); // 12
 * monthsBetweenAverage('2024-01-01', '2024-01-16'); // 15 / 30.4375
 */
export function monthsBetweenAverage(from: string, to: string): number {
  const whole = monthIndex(to) - monthIndex(from);
  const days = Number(to.slice(8, 10)) - Number(from.slice(8, 10));
  return whole + days / 30.4375;
}

/**
 * Months from `from` to `to` (dates), the leftover days counted in days of
 * `from`'s month: the drop's check that a contract's `term_months` matches
 * its start and end dates within a month (contracts/contract-file.ts).
 *
 * @example
 * monthsBetweenByStartMonth('2024-01-01', '2025-01-01'); // 12
 * monthsBetweenByStartMonth('2024-02-01', '2024-02-16'); // 15 / 29
 */
export function monthsBetweenByStartMonth(from: string, to: string): number {
  const fy = Number(from.slice(0, 4));
  const fm = Number(from.slice(5, 7));
  const fd = Number(from.slice(8, 10));
  const ty = Number(to.slice(0, 4));
  const tm = Number(to.slice(5, 7));
  const td = Number(to.slice(8, 10));
  return (ty - fy) * 12 + (tm - fm) + (td - fd) / daysInMonth(fy, fm);
}

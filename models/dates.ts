/**
 * Date arithmetic shared by the models. Dates arrive as `YYYY-MM-DD` strings
 * or UTC ISO timestamps; a date alone means midnight UTC (data-drop spec).
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
 * Month index (year*12 + month-1) of a `YYYY-MM` or date string, for month arithmetic.
 *
 * @example
 * monthIndex('2024-02') - monthIndex('2023-12'); // 2
 */
export function monthIndex(value: string): number {
  const y = Number(value.slice(0, 4));
  const m = Number(value.slice(5, 7));
  if (!Number.isInteger(y) || !Number.isInteger(m) || m < 1 || m > 12) {
    throw new RangeError(`not a month: ${JSON.stringify(value)}`);
  }
  return y * 12 + (m - 1);
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
 * A `YYYY-MM-DD` date shifted by whole calendar months, the day kept (a day
 * past the month's end rolls over, as Date.UTC does; callers shift month starts).
 *
 * @example
 * shiftMonths('2026-11-01', -6); // '2026-05-01'
 */
export function shiftMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1 + months, d)).toISOString().slice(0, 10);
}

/**
 * Calendar months from `from` to `to` (dates): whole months by the calendar
 * plus the day difference as a fraction of an average month (30.4375 days).
 *
 * @example
 * monthsBetween('2024-01-01', '2025-01-01'); // 12
 * monthsBetween('2024-01-01', '2024-01-16'); // 15 / 30.4375
 */
export function monthsBetween(from: string, to: string): number {
  const whole = monthIndex(to) - monthIndex(from);
  const days = Number(to.slice(8, 10)) - Number(from.slice(8, 10));
  return whole + days / 30.4375;
}

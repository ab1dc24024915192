/**
 * Calendar arithmetic on plain numbers: a *month* is `year * 12 + (month - 1)`,
 * a *day* is days since 1970-01-01 (UTC). Numbers keep the hot loops cheap.
 */

import { parseMonthParts } from '../lib/dates';

const DAY_MS = 86_400_000;

/** A `YYYY-MM` month (lib/dates' reading) as a month number; the generator's own message for a bad one. */
export function parseMonth(s: string): number {
  const parts = parseMonthParts(s);
  if (!parts) throw new Error(`expected a month as YYYY-MM, got "${s}"`);
  return parts.year * 12 + parts.month - 1;
}

export function dayOf(month: number, dayOfMonth: number): number {
  const y = Math.floor(month / 12);
  return Date.UTC(y, month - y * 12, dayOfMonth) / DAY_MS;
}

export function firstDay(month: number): number {
  return dayOf(month, 1);
}

export function lastDay(month: number): number {
  return dayOf(month + 1, 1) - 1;
}

export function daysInMonth(month: number): number {
  return dayOf(month + 1, 1) - dayOf(month, 1);
}

export function monthOfDay(day: number): number {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** Same day of month `k` months later, clamped to the end of a shorter month. */
export function addMonths(day: number, k: number): number {
  const d = new Date(day * DAY_MS);
  const month = d.getUTCFullYear() * 12 + d.getUTCMonth() + k;
  return dayOf(month, Math.min(d.getUTCDate(), daysInMonth(month)));
}

export function dateString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** `YYYY-MM-DDTHH:MM:00` followed by `Z` or the offset, for a UTC instant given in minutes since epoch. */
export function timestampString(utcMinutes: number, offsetMinutes: number | null): string {
  if (offsetMinutes === null) return new Date(utcMinutes * 60_000).toISOString().slice(0, 16) + ':00Z';
  const local = new Date((utcMinutes + offsetMinutes) * 60_000).toISOString().slice(0, 16);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}:00${sign}${hh}:${mm}`;
}

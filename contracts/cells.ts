/**
 * Cell types of the data-drop spec and their strict parsers.
 *
 * These run once per cell on a million-row file, so they are hand-written
 * character checks rather than zod or `new Date()` per cell: a parser
 * returns the typed value, or `undefined` when the text does not have the
 * type. Empty cells never reach them (empty = null is decided before).
 */

import { daysInMonth, parseMonthParts } from '../lib/dates';

export type CellType = 'id' | 'text' | 'enum' | 'date' | 'ts' | 'month' | 'money' | 'ccy' | 'int' | 'decimal';

/** What each type looks like, for messages ("is not a date (YYYY-MM-DD)"). */
export const CELL_TYPE_WORDS: Record<CellType, string> = {
  id: 'a non-empty id',
  text: 'text',
  enum: 'one of the allowed values',
  date: 'a date (YYYY-MM-DD)',
  ts: 'an ISO 8601 timestamp with Z or a UTC offset, or a date alone (YYYY-MM-DD)',
  month: 'a month (YYYY-MM)',
  money: 'an amount (digits with "." for decimals, no thousands separator)',
  ccy: 'a currency code (three capital letters, ISO 4217)',
  int: 'a whole number',
  decimal: 'a decimal number (digits with "." for decimals)',
};

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    // `!(...)` also catches NaN past the end of the string.
    if (!(c >= 48 && c <= 57)) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** `YYYY-MM-DD`, a real calendar day. Returns the text itself. */
export function parseDate(s: string): string | undefined {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
  const y = digits(s, 0, 4);
  const m = digits(s, 5, 7);
  const d = digits(s, 8, 10);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined;
  return s;
}

/** `YYYY-MM` (lib/dates' reading of a month). Returns the text itself. */
export function parseMonth(s: string): string | undefined {
  return parseMonthParts(s) === undefined ? undefined : s;
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

/**
 * ISO 8601 timestamp, normalised to `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC).
 * Accepted: a date alone (midnight UTC), or `YYYY-MM-DDTHH:MM[:SS[.fff]]`
 * followed by `Z` or an offset `+HH:MM` / `+HHMM` / `+HH`. A time without
 * zone is refused: it would silently depend on the reader's time zone.
 */
export function parseTs(s: string): string | undefined {
  if (parseDate(s.slice(0, 10)) === undefined) return undefined;
  if (s.length === 10) return `${s}T00:00:00.000Z`;
  if (s.charCodeAt(10) !== 84 /* T */ || s.length < 17 || s.charCodeAt(13) !== 58) return undefined;
  const hh = digits(s, 11, 13);
  const mi = digits(s, 14, 16);
  if (hh < 0 || hh > 23 || mi < 0 || mi > 59) return undefined;
  let i = 16;
  let ss = 0;
  let ms = 0;
  if (s.charCodeAt(i) === 58) {
    ss = digits(s, 17, 19);
    if (s.length < 19 || ss < 0 || ss > 59) return undefined;
    i = 19;
    if (s.charCodeAt(i) === 46 /* . */) {
      let j = i + 1;
      while (j < s.length && isDigit(s.charCodeAt(j))) j++;
      if (j === i + 1) return undefined;
      // Milliseconds: first three digits, padded (".5" is 500 ms).
      ms = Number((s.slice(i + 1, Math.min(j, i + 4)) + '00').slice(0, 3));
      i = j;
    }
  }
  const zone = s.slice(i);
  let offsetMin = 0;
  if (zone === 'Z') {
    offsetMin = 0;
  } else {
    const sign = zone.charCodeAt(0) === 43 ? 1 : zone.charCodeAt(0) === 45 ? -1 : 0;
    if (sign === 0) return undefined;
    let oh: number;
    let om = 0;
    if (zone.length === 3) oh = digits(zone, 1, 3);
    else if (zone.length === 5) {
      oh = digits(zone, 1, 3);
      om = digits(zone, 3, 5);
    } else if (zone.length === 6 && zone.charCodeAt(3) === 58) {
      oh = digits(zone, 1, 3);
      om = digits(zone, 4, 6);
    } else return undefined;
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offsetMin = sign * (oh * 60 + om);
  }
  if (offsetMin === 0) {
    // Already UTC: build the string without a Date (the hot path).
    return `${s.slice(0, 10)}T${pad2(hh)}:${pad2(mi)}:${pad2(ss)}.${String(ms).padStart(3, '0')}Z`;
  }
  const t =
    Date.UTC(digits(s, 0, 4), digits(s, 5, 7) - 1, digits(s, 8, 10), hh, mi, ss, ms) - offsetMin * 60_000;
  const d = new Date(t);
  if (Number.isNaN(t) || d.getUTCFullYear() < 0 || d.getUTCFullYear() > 9999) return undefined;
  return d.toISOString();
}

/**
 * Decimal with `.` as separator and no thousands separator: `-?\d+(\.\d+)?`.
 * The sign is always accepted here; ">= 0" is a rule of its own so that the
 * message says "negative" rather than "not a number".
 */
export function parseDecimal(s: string): number | undefined {
  let i = 0;
  if (s.charCodeAt(0) === 45) i = 1;
  const start = i;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  if (i === start) return undefined;
  if (i < s.length) {
    if (s.charCodeAt(i) !== 46) return undefined;
    const frac = ++i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    if (i === frac || i !== s.length) return undefined;
  }
  return Number(s);
}

export function parseInt10(s: string): number | undefined {
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (i === s.length) return undefined;
  for (; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Three capital letters (the ISO 4217 shape). */
export function parseCcy(s: string): string | undefined {
  if (s.length !== 3) return undefined;
  for (let i = 0; i < 3; i++) {
    const c = s.charCodeAt(i);
    if (c < 65 || c > 90) return undefined;
  }
  return s;
}

/** Parses a non-empty cell of the given type; `undefined` = not of that type. */
export function parseCell(type: CellType, s: string, values?: readonly string[]): unknown {
  switch (type) {
    case 'id':
    case 'text':
      return s;
    case 'enum':
      return values !== undefined && values.includes(s) ? s : undefined;
    case 'date':
      return parseDate(s);
    case 'ts':
      return parseTs(s);
    case 'month':
      return parseMonth(s);
    case 'money':
    case 'decimal':
      return parseDecimal(s);
    case 'int':
      return parseInt10(s);
    case 'ccy':
      return parseCcy(s);
  }
}

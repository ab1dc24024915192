import { parseMonthParts } from '../lib/dates';

/** Parsers for command-line values; each error names the option and what it takes. */
export function parseMonth(v: string, option: string): string {
  if (parseMonthParts(v) === undefined) throw new Error(`${option} takes a month as YYYY-MM, not "${v}"`);
  return v;
}

export function parsePositiveInt(v: string, option: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new Error(`${option} takes a positive whole number, not "${v}"`);
  return Number(v);
}

/** Parsers for command-line values; each error names the option and what it takes. */
export function parseMonth(v: string, option: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new Error(`${option} takes a month as YYYY-MM, not "${v}"`);
  return v;
}

export function parseDuration(v: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) throw new Error(`${option} takes a duration like 7d, 12h, 30m, 90s or 500ms, not "${v}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  const ms = Math.round(Number(m[1]) * unit);
  if (ms <= 0) throw new Error(`${option} must be positive`);
  return ms;
}

export function parsePositiveInt(v: string, option: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new Error(`${option} takes a positive whole number, not "${v}"`);
  return Number(v);
}

/** Output helpers: one place decides how results print, so `--json` is exactly JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function say(line = ''): void {
  process.stdout.write(line + '\n');
}

export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const whole = Math.round(n);
  return (whole < 0 ? '-$' : '$') + Math.abs(whole).toLocaleString('en-US');
}

export function pct(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return (n * 100).toFixed(digits) + '%';
}

/** A plain text table, columns padded; numbers right-aligned. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^[-$\d.,%—]+$/.test(String(r[i]))));
  return cells
    .map((r) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n');
}

/**
 * An interval of ratios (ROI: ACV per dollar) to two decimals.
 * @example ratioRange([0.81, 1.234]) // '0.81 – 1.23'
 */
export const ratioRange = (iv: readonly [number, number]) => `${iv[0].toFixed(2)} – ${iv[1].toFixed(2)}`;

// Below this a double has lost its precision (normal doubles end near 2.2e-308): a computed 0 means "smaller than we can say".
const SMALLEST_P = 1e-300;

/**
 * A p-value as a reader can take it: three decimals down to 0.001, then one
 * significant digit in exponent form, and `< 1e-300` for what underflowed to
 * 0 (no test is that sure; the arithmetic ran out of digits).
 * @example pValue(0.0423) // '0.042'; pValue(3.2e-45) // '3.2e-45'; pValue(0) // '< 1e-300'
 */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p) || p < 0 || p > 1) return '—';
  if (p < SMALLEST_P) return '< 1e-300';
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}

/** `p = 0.042` or `p < 1e-300`: the p-value in a sentence. */
export function pClause(p: number | null | undefined): string {
  const v = pValue(p);
  return v.startsWith('<') ? `p ${v}` : `p = ${v}`;
}

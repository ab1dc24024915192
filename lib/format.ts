/**
 * How numbers read, in the terminal and on the pages alike: money, shares,
 * ratio intervals and p-values. Pure: no I/O. A missing or non-finite value
 * reads as an em dash.
 */

/**
 * Whole US dollars with thousands separators.
 * @example usd(1234567.4) // '$1,234,567'; usd(-80) // '-$80'; usd(-0.4) // '$0' (no minus on a zero); usd(null) // '—'
 */
export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const whole = Math.round(n);
  return (whole < 0 ? '-$' : '$') + Math.abs(whole).toLocaleString('en-US');
}

/**
 * A share as a percentage.
 * @example pct(0.1234) // '12.3%'; pct(0.5, 0) // '50%'
 */
export function pct(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return (n * 100).toFixed(digits) + '%';
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

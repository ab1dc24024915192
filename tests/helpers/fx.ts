/**
 * The spec's FX rule, written again for tests that recompute money from a
 * drop's CSV files: a value converts at the rate of its month, else of the
 * latest earlier month that has one; USD is 1.
 */
export function fxRateOf(fxRows: readonly Record<string, string>[]): (currency: string, month: string) => number {
  return (currency, month) => {
    if (currency === 'USD') return 1;
    const known = fxRows.filter((r) => r.currency === currency && r.month <= month).sort((a, b) => (a.month < b.month ? 1 : -1));
    if (known.length === 0) throw new Error(`no ${currency} rate by ${month}`);
    return Number(known[0].rate_to_usd);
  };
}

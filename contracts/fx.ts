/**
 * FX rates of a drop: a money value converts at the rate of its row's month,
 * or of the latest earlier month that has one (spec, fx_rates.csv).
 */
import type { FxRateRow } from './rows';

export interface FxTable {
  /** Rate to USD for a currency in a month, or undefined when none applies. */
  rate(currency: string, month: string): number | undefined;
  /** Why no rate applies, in words (for quarantine messages). */
  missing(currency: string, month: string): string;
}

/** Without fx_rates.csv only USD can be used. */
export const USD_ONLY: FxTable = {
  rate: (currency) => (currency === 'USD' ? 1 : undefined),
  missing: (currency) => `currency ${currency} needs fx_rates.csv, which is not in the drop (only USD can be used without it)`,
};

/**
 * Builds the lookup from the accepted fx rows. USD is always 1.
 * @example fxTable([{ line: 2, month: '2025-01', currency: 'EUR', rate_to_usd: 1.1 }]).rate('EUR', '2025-03') // 1.1
 */
export function fxTable(rows: readonly FxRateRow[]): FxTable {
  const byCurrency = new Map<string, { month: string; rate: number }[]>();
  for (const r of rows) {
    let list = byCurrency.get(r.currency);
    if (!list) byCurrency.set(r.currency, (list = []));
    list.push({ month: r.month, rate: r.rate_to_usd });
  }
  for (const list of byCurrency.values()) list.sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
  return {
    rate(currency, month) {
      if (currency === 'USD') return 1;
      const list = byCurrency.get(currency);
      if (!list) return undefined;
      // Latest entry with entry.month <= month.
      let lo = 0;
      let hi = list.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid].month <= month) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return found < 0 ? undefined : list[found].rate;
    },
    missing(currency, month) {
      const list = byCurrency.get(currency);
      return list
        ? `fx_rates.csv has no ${currency} rate for ${month} or any earlier month (first is ${list[0].month})`
        : `fx_rates.csv has no rate at all for currency ${currency}`;
    },
  };
}

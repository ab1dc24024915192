/** fx_rates.csv (optional): monthly rates to USD; without it every currency must be USD. */
import { z } from 'zod';
import { Currency, defineContract, Line, Month } from './contract';
import type { RowColumns, RowOf } from './row-columns';

/** An accepted row of fx_rates.csv: each column's value and its type in src_fx_rates (see row-columns.ts). */
export const FX_RATE_ROW = {
  line: [Line, 'integer'],
  month: [Month, 'text'],
  currency: [Currency, 'text'],
  rate_to_usd: [z.number().positive(), 'double precision'],
} as const satisfies RowColumns;
export type FxRateRow = RowOf<typeof FX_RATE_ROW>;

export const fxRates = defineContract<FxRateRow>({
  name: 'fx_rates',
  file: 'fx_rates.csv',
  version: '1.0.0',
  owner: 'Finance (treasury)',
  required: false,
  columns: [
    { name: 'month', type: 'month', required: true, rule: '(month, currency) unique' },
    { name: 'currency', type: 'ccy', required: true, rule: '' },
    { name: 'rate_to_usd', type: 'decimal', required: true, rule: '> 0; amount_usd = amount * rate_to_usd', range: 'positive' },
  ],
  uniqueKeys: [['month', 'currency']],
  row: FX_RATE_ROW,
});

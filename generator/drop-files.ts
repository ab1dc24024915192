import { CsvWriter } from './csv';

/** The drop's CSV files and their columns (../shared/spec/data-drop.md), in the order the summary lists them. */
export const HEADERS = {
  accounts: ['account_id', 'name', 'parent_account_id', 'segment', 'industry', 'region', 'created_at'],
  opportunities: ['opportunity_id', 'account_id', 'created_at', 'closed_at', 'stage', 'amount', 'currency', 'lead_source', 'product'],
  contracts: [
    'contract_id', 'account_id', 'opportunity_id', 'previous_contract_id', 'product', 'start_date', 'end_date',
    'term_months', 'total_value', 'currency', 'discount_pct', 'status', 'cost_to_serve_annual',
  ],
  touchpoints: ['touchpoint_id', 'account_id', 'contact_id', 'channel', 'campaign_id', 'occurred_at', 'kind'],
  spend: ['month', 'channel', 'amount', 'currency'],
  invoices: ['invoice_id', 'contract_id', 'issued_at', 'amount', 'currency', 'paid_at'],
  usage: ['account_id', 'month', 'active_users', 'usage_units'],
  fx_rates: ['month', 'currency', 'rate_to_usd'],
} as const;
export type FileKey = keyof typeof HEADERS;
export type DropWriters = Record<FileKey, CsvWriter>;

export const FILE_KEYS = Object.keys(HEADERS) as FileKey[];

/** Throws on a name in `gzip` that is not one of the drop's files. */
export function checkGzip(gzip: ReadonlySet<string>): void {
  for (const g of gzip) {
    if (!Object.keys(HEADERS).some((k) => `${k}.csv` === g)) throw new Error(`gzip: unknown file ${g}`);
  }
}

export function openWriters(outDir: string, gzip: ReadonlySet<string>): DropWriters {
  const writers = {} as DropWriters;
  for (const k of FILE_KEYS) {
    writers[k] = new CsvWriter(outDir, `${k}.csv`, HEADERS[k], gzip.has(`${k}.csv`));
  }
  return writers;
}

/** Rows written per file, keyed in HEADERS order. */
export const rowCounts = (writers: DropWriters): Record<FileKey, number> =>
  Object.fromEntries(FILE_KEYS.map((k) => [k, writers[k].rows])) as Record<FileKey, number>;

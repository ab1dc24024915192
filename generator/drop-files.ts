import { accounts } from '../contracts/accounts';
import { contractFile } from '../contracts/contract-file';
import { fxRates } from '../contracts/fx-rates';
import { invoices } from '../contracts/invoices';
import { opportunities } from '../contracts/opportunities';
import { spend } from '../contracts/spend';
import { touchpoints } from '../contracts/touchpoints';
import { usage } from '../contracts/usage';
import { CsvWriter } from './csv';

/** The drop's CSV files, in the order the summary lists them, and the contract that declares each file's columns. */
const CONTRACT_OF = { accounts, opportunities, contracts: contractFile, touchpoints, spend, invoices, usage, fx_rates: fxRates } as const;
export type FileKey = keyof typeof CONTRACT_OF;
export type DropWriters = Record<FileKey, CsvWriter>;

export const FILE_KEYS = Object.keys(CONTRACT_OF) as FileKey[];

/** Each file's header: its contract's columns in order (../shared/spec/data-drop.md), so a column is declared once, in contracts/. */
export const HEADERS = Object.fromEntries(
  FILE_KEYS.map((k): [FileKey, readonly string[]] => [k, CONTRACT_OF[k].columns.map((c) => c.name)]),
) as Record<FileKey, readonly string[]>;

/** Throws on a name in `gzip` that is not one of the drop's files. */
export function checkGzip(gzip: ReadonlySet<string>): void {
  for (const g of gzip) {
    if (!FILE_KEYS.some((k) => `${k}.csv` === g)) throw new Error(`gzip: unknown file ${g}`);
  }
}

export function openWriters(outDir: string, gzip: ReadonlySet<string>): DropWriters {
  const writers = {} as DropWriters;
  for (const k of FILE_KEYS) {
    writers[k] = new CsvWriter(outDir, `${k}.csv`, HEADERS[k], gzip.has(`${k}.csv`));
  }
  return writers;
}

/** Rows written per file, keyed in FILE_KEYS order. */
export const rowCounts = (writers: DropWriters): Record<FileKey, number> =>
  Object.fromEntries(FILE_KEYS.map((k) => [k, writers[k].rows])) as Record<FileKey, number>;

/**
 * The typed rows a drop yields once it passes its data contracts.
 *
 * Column names follow the spec (`../shared/spec/data-drop.md`) so that rows
 * COPY into Postgres without renaming. Every accepted row keeps the 1-based
 * line number of its CSV file (header = line 1) so lineage and disputes can
 * point back at the source. Money columns keep the value as given plus its
 * USD value after FX (`*_usd`), converted at the rate of the row's month:
 * opportunities use closed_at (else created_at), contracts start_date,
 * invoices issued_at, spend its month.
 * Dates are `YYYY-MM-DD`; timestamps are normalised to UTC ISO strings
 * (`YYYY-MM-DDTHH:MM:SS.sssZ`); empty cells are `null`.
 */

import type { ACCOUNT_ROW } from './accounts';
import type { CONTRACT_ROW } from './contract-file';
import type { EXPERIMENT_ROW } from './experiments';
import type { FX_RATE_ROW } from './fx-rates';
import type { INVOICE_ROW } from './invoices';
import type { OPPORTUNITY_ROW } from './opportunities';
import type { RowOf } from './row-columns';
import type { SPEND_ROW } from './spend';
import type { TOUCHPOINT_ROW } from './touchpoints';
import type { USAGE_ROW } from './usage';

// Each row type is read off its file's column table (row-columns.ts), defined in the file's contract module.
export type { AccountRow } from './accounts';
export type { ContractRow } from './contract-file';
export type { ExperimentRow } from './experiments';
export type { FxRateRow } from './fx-rates';
export type { InvoiceRow } from './invoices';
export type { OpportunityRow } from './opportunities';
export type { SpendRow } from './spend';
export type { TouchpointRow } from './touchpoints';
export type { UsageRow } from './usage';

export const SEGMENTS = ['enterprise', 'mid_market', 'smb'] as const;
export type Segment = (typeof SEGMENTS)[number];

/** Each file's column table: the one definition of its accepted row and of its src_* table. */
export interface DropRowColumns {
  accounts: typeof ACCOUNT_ROW;
  opportunities: typeof OPPORTUNITY_ROW;
  contracts: typeof CONTRACT_ROW;
  touchpoints: typeof TOUCHPOINT_ROW;
  spend: typeof SPEND_ROW;
  invoices: typeof INVOICE_ROW;
  usage: typeof USAGE_ROW;
  fx_rates: typeof FX_RATE_ROW;
  /** A lift test (experiments.csv): the incremental ACV (USD) a channel's spend caused over months start..end. */
  experiments: typeof EXPERIMENT_ROW;
}

/** Accepted rows of a whole drop, by file. Optional files that are absent give []. */
export type DropRows = { [F in keyof DropRowColumns]: RowOf<DropRowColumns[F]>[] };

export type DropFileName = keyof DropRows;

export const DROP_FILES: readonly DropFileName[] = [
  'accounts', 'opportunities', 'contracts', 'touchpoints', 'spend', 'invoices', 'usage', 'fx_rates', 'experiments',
];
export const REQUIRED_FILES: readonly DropFileName[] = ['accounts', 'opportunities', 'contracts', 'touchpoints', 'spend'];

/** One broken rule of one row. `line` is the CSV line where the record starts (header = 1). */
export interface QuarantineEntry {
  file: string; // e.g. "opportunities.csv" (or "opportunities.csv.gz" when that is the name on disk)
  line: number;
  column: string | null; // null for row-level rules (e.g. malformed line)
  rule: string; // stable rule id, e.g. "opportunities.account_id.references_accounts"
  value: string | null; // the offending cell as given
  message: string; // words a data engineer understands
  raw: Record<string, string> | string[] | null; // the raw row as read
}

export interface FileReport {
  file: string;
  sha256: string; // of the bytes on disk (compressed bytes for .gz)
  contractVersion: string;
  rowsRead: number;
  rowsAccepted: number;
  rowsQuarantined: number;
  extraColumns: string[];
}

export interface DropValidation {
  ok: boolean;
  /** Drop-level failures (missing file, bad header, unreadable, error rate over threshold). Non-empty => ok=false. */
  errors: string[];
  files: FileReport[];
  quarantine: QuarantineEntry[];
  /** Accepted rows; when ok=false the caller must apply nothing of them. */
  rows: DropRows;
}

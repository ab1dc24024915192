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

export const SEGMENTS = ['enterprise', 'mid_market', 'smb'] as const;
export type Segment = (typeof SEGMENTS)[number];

export interface AccountRow {
  line: number;
  account_id: string;
  name: string;
  parent_account_id: string | null;
  segment: Segment;
  industry: string | null;
  region: string | null;
  created_at: string;
}

export interface OpportunityRow {
  line: number;
  opportunity_id: string;
  account_id: string;
  created_at: string;
  closed_at: string | null;
  stage: 'open' | 'won' | 'lost';
  amount: number;
  currency: string;
  amount_usd: number;
  lead_source: string | null;
  product: string | null;
}

export interface ContractRow {
  line: number;
  contract_id: string;
  account_id: string;
  opportunity_id: string | null;
  previous_contract_id: string | null;
  product: string | null;
  start_date: string;
  end_date: string;
  term_months: number;
  total_value: number;
  currency: string;
  discount_pct: number | null;
  status: 'active' | 'renewed' | 'churned' | 'expired';
  cost_to_serve_annual: number | null;
  total_value_usd: number;
  /** total_value_usd / (term_months / 12) */
  acv_usd: number;
  cost_to_serve_annual_usd: number | null;
}

export interface TouchpointRow {
  line: number;
  touchpoint_id: string;
  account_id: string;
  contact_id: string | null;
  channel: string;
  campaign_id: string | null;
  occurred_at: string;
  kind: 'online' | 'offline';
}

export interface SpendRow {
  line: number;
  month: string;
  channel: string;
  amount: number;
  currency: string;
  amount_usd: number;
}

export interface InvoiceRow {
  line: number;
  invoice_id: string;
  contract_id: string;
  issued_at: string;
  amount: number;
  currency: string;
  amount_usd: number;
  paid_at: string | null;
}

export interface UsageRow {
  line: number;
  account_id: string;
  month: string;
  active_users: number;
  usage_units: number;
}

export interface FxRateRow {
  line: number;
  month: string;
  currency: string;
  rate_to_usd: number;
}

/** A lift test (experiments.csv): the incremental ACV (USD) a channel's spend caused over months start..end. */
export interface ExperimentRow {
  line: number;
  channel: string;
  start: string;
  end: string;
  incremental_acv: number;
  stderr: number;
}

/** Accepted rows of a whole drop, by file. Optional files that are absent give []. */
export interface DropRows {
  accounts: AccountRow[];
  opportunities: OpportunityRow[];
  contracts: ContractRow[];
  touchpoints: TouchpointRow[];
  spend: SpendRow[];
  invoices: InvoiceRow[];
  usage: UsageRow[];
  fx_rates: FxRateRow[];
  experiments: ExperimentRow[];
}

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

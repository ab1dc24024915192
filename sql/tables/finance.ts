/** Contract finance by run (issue 17): realized against contracted, leakage, margin by lead source, time to value. */
import type { Json, Timestamp } from './column-types';

/** A run's billed, collected, DSO and overdue over its twelve months, and its active contracts' expected and billed to date (summary: the whole figures). */
export interface FinanceRunsTable {
  run_id: string; month: string; as_of: string; overdue_days: number; invoices: number;
  billed: number; collected: number; dso_days: number | null; overdue_count: number; overdue_amount: number;
  expected_to_date: number; billed_to_date: number; leakage: number; summary: Json; created_at: Timestamp;
}

/** An active contract billed behind what it earned, ranked by the gap (USD at its start-month rate). */
export interface FinanceLeakageTable {
  run_id: string; rank: number; contract_id: string; account_id: string; elapsed: number; expected: number; billed: number; gap: number;
}

/** The gross margin of a lead source's active contracts, and per dollar of its channel's spend (null: no spend). */
export interface FinanceChannelMarginsTable {
  run_id: string; lead_source: string; channel: string | null; contracts: number; acv: number; cost_to_serve: number;
  gross_margin: number; spend: number | null; margin_per_dollar: number | null;
}

/** Days from a first contract's start to active usage, by segment ('all' for every segment). */
export interface FinanceTimeToValueTable {
  run_id: string; segment: string; contracts: number; valued: number; median_days: number | null; pending: number; no_usage: number; before_usage: number;
}

/** The finance tables by name. */
export interface FinanceTables {
  finance_runs: FinanceRunsTable;
  finance_leakage: FinanceLeakageTable;
  finance_channel_margins: FinanceChannelMarginsTable;
  finance_time_to_value: FinanceTimeToValueTable;
}

/** The rows the renewal model reads (projections of the drop's rows) and the features of one decision or contract. */

/** Contract columns the renewal model reads (a projection of ContractRow). */
export interface RenewalContract {
  contract_id: string;
  account_id: string;
  previous_contract_id: string | null;
  start_date: string;
  end_date: string;
  term_months: number;
  discount_pct: number | null;
  status: 'active' | 'renewed' | 'churned' | 'expired';
  acv_usd: number;
}

export interface RenewalAccount {
  account_id: string;
  segment: string;
  region: string | null;
}

export interface RenewalUsage {
  account_id: string;
  month: string;
  usage_units: number;
  /**
   * Users active that month. Optional: callers that load only usage_units
   * still work, without the users' trend (usersLatentTrend).
   */
  active_users?: number | null;
}

export interface RenewalFeatures {
  segment: string;
  region: string | null;
  renewalsSoFar: number;
  discountPct: number | null;
  acvUsd: number;
  termMonths: number;
  /** Usage of the 3 months before the reference month over the 3 before those; null when unknown. */
  usageTrend: number | null;
  /**
   * Monthly change of log usage: the least-squares slope over the months with
   * usage among the USAGE_SLOPE_MONTHS before the reference month; null with
   * fewer than USAGE_SLOPE_MIN_MONTHS of them. Optional so that features built
   * before it existed still score; a model uses it only when its training
   * decisions carried it.
   */
  usageSlope?: number | null;
  /**
   * Monthly change of log usage units over the USAGE_TREND_MONTHS months
   * before the reference month, as a Kalman filter of the account's whole
   * usage history reads it (models/usage-trend.ts); null when the account has
   * no usage before the reference month. Optional, like usageSlope: a model
   * uses it only when its training decisions carried it.
   */
  usageLatentTrend?: number | null;
  /**
   * The same trend of the account's active users (a count, whose sampling
   * noise the filter knows); null when the usage rows do not carry users or
   * the account has none before the reference month.
   */
  usersLatentTrend?: number | null;
  /**
   * Months from the start of the first contract of the renewal chain to this
   * contract's end date (the decision). Optional so that features built
   * before tenure was a covariate still score; a model uses it only when its
   * training decisions carried it.
   */
  tenureMonths?: number;
}

export interface RenewalDecision extends RenewalFeatures {
  contract_id: string;
  account_id: string;
  decided_at: string;
  renewed: boolean;
}

export interface ActiveContract extends RenewalFeatures {
  contract_id: string;
  account_id: string;
  end_date: string;
}

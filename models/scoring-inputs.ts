/**
 * What the score stage feeds the LTV model for each active contract, built
 * here once so that the stage's shards (activities/score-shards.ts) and the
 * pricing and term what-if (models/whatif.ts) start from the same inputs: a
 * what-if with a contract's own terms then reproduces its stored score
 * exactly, not approximately.
 */
import type { DropRows } from '../contracts/rows';
import type { CollectionHistory } from './finance/collections';
import type { LtvContract, LtvOptions } from './ltv';
import { deriveSeed } from './random';
import {
  activeContracts, NO_USAGE, predictRenewal, renewalPath, usageIndexInFrame, usageReadBy,
  type ActiveContract, type RenewalFeatures, type RenewalModel, type UsageFrame,
} from './renewal';

/** Renewals ahead whose probabilities are conditioned on the contract's history (the last one repeats). */
export const RENEWAL_PATH_LENGTH = 8;
/** The account columns scoring reads. */
export const SCORING_ACCOUNT_COLUMNS = ['account_id', 'segment', 'region'] as const;
/** The usage columns each usage measure reads. */
export const SCORING_USAGE_COLUMNS = ['account_id', 'month', 'active_users', 'usage_units'] as const;

/**
 * What every shard of a run's scoring shares, so that a contract scores the
 * same in any shard of any shard count: the serving renewal model (a
 * baseline fitted on all the run's decisions), the contract-wide expansion
 * rate and cost ratios, and the usage frame (the span of the whole table
 * and the filter's dynamics fitted on a fixed sample of its accounts).
 */
export interface ScorePlan {
  renewal: RenewalModel;
  uplift: { mean: number; n: number };
  costRatios: Record<string, number>;
  /** Null when the model reads no usage, or the drop has none. */
  usage: UsageFrame | null;
  /** Each segment's collection history (finance/collections.ts); absent in plans stored before it, whose LTVs count billing as cash. */
  collections?: CollectionHistory;
}

/** The run a contract is scored in: the date its models see the world as of, and its seed. */
export interface ScoringRun { asOf: string; seed: number }

/** The rows scoring reads: accounts and usage in the columns above, contracts whole (with every contract of their renewal chains). */
export interface ScoringRows {
  accounts: readonly Pick<DropRows['accounts'][number], (typeof SCORING_ACCOUNT_COLUMNS)[number]>[];
  contracts: DropRows['contracts'];
  usage: readonly Pick<DropRows['usage'][number], (typeof SCORING_USAGE_COLUMNS)[number]>[];
}

/** A contract row with its account's segment, as the LTV model takes it. */
export type ScoringContract = DropRows['contracts'][number] & { segment: string };

/** One active contract's scoring inputs: its row, its renewal features, and the LTV model's contract and options. */
export interface ScoringInput {
  contract: ScoringContract;
  features: ActiveContract;
  ltv: LtvContract;
  options: LtvOptions;
}

/**
 * The LTV model's inputs for a contract with these renewal features: the
 * renewal probability and its path from the plan's model, and the run's
 * seed derived for the contract.
 *
 * @example
 * const { ltv, options } = ltvInputOf(plan, contract, features, { asOf: '2026-11-01', seed: 42 });
 * contractLtv(ltv, options).p50;
 */
export function ltvInputOf(
  plan: ScorePlan,
  contract: Pick<ScoringContract, 'contract_id' | 'segment' | 'acv_usd' | 'end_date' | 'term_months' | 'cost_to_serve_annual_usd'>,
  features: RenewalFeatures,
  run: ScoringRun,
): { ltv: LtvContract; options: LtvOptions } {
  const c = contract;
  return {
    ltv: { contract_id: c.contract_id, segment: c.segment, acv_usd: c.acv_usd, end_date: c.end_date, term_months: c.term_months,
      cost_to_serve_annual_usd: c.cost_to_serve_annual_usd, p_renew: predictRenewal(plan.renewal, features),
      p_renew_path: renewalPath(plan.renewal, features, RENEWAL_PATH_LENGTH) },
    options: { asOf: run.asOf, seed: deriveSeed(run.seed, c.contract_id), expansionRate: plan.uplift.n ? plan.uplift.mean : 0, costRatioBySegment: plan.costRatios,
      ...(plan.collections ? { collection: plan.collections } : {}) },
  };
}

/**
 * The scoring inputs of the contracts active at the run's date that belong
 * to the accounts in `scored` (the rows may hold contracts of other
 * accounts: those of the renewal chains, which only inform the features).
 * The usage is read in the plan's frame, so one account's rows give the
 * measures the whole table gives.
 *
 * @example
 * scoringInputs(plan, { accounts, contracts, usage }, { asOf: '2026-11-01', seed: 42 }, new Set(['A-1'])).map((x) => x.contract.contract_id);
 */
export function scoringInputs(plan: ScorePlan, rows: ScoringRows, run: ScoringRun, scored: ReadonlySet<string>): ScoringInput[] {
  const reads = plan.usage ? usageReadBy(plan.renewal) : NO_USAGE;
  const usage = plan.usage ? usageIndexInFrame(rows.usage as DropRows['usage'], plan.usage) : [];
  const active = activeContracts(rows.contracts, rows.accounts, usage, run.asOf, { usage: reads }).filter((a) => scored.has(a.account_id));
  const segment = new Map(rows.accounts.map((a) => [a.account_id, a.segment as string]));
  const byId = new Map(rows.contracts.map((c) => [c.contract_id, c]));
  return active.map((features) => {
    const row = byId.get(features.contract_id)!;
    const contract = { ...row, segment: segment.get(row.account_id) ?? '(unknown)' };
    return { contract, features, ...ltvInputOf(plan, contract, features, run) };
  });
}

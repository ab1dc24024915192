/** Past renewal decisions and the active contracts to score, with the features known at each (renewal chains, tenure, usage). */
import { monthIndex, monthsBetweenAverage } from '../../lib/dates';
import type { ActiveContract, RenewalAccount, RenewalContract, RenewalDecision, RenewalFeatures, RenewalUsage } from './types';
import { ALL_USAGE, usageFeaturesOf, type UsageFeatures, type UsageReads } from './usage-features';
import type { UsageIndex } from './usage';

export interface ContractIndex {
  byId: Map<string, RenewalContract>;
  hasSuccessor: Set<string>;
  renewalsSoFar: (id: string) => number;
  /** Start date of the first contract of the chain `id` belongs to. */
  chainStart: (id: string) => string;
}

export function indexContracts(contracts: readonly RenewalContract[]): ContractIndex {
  const byId = new Map<string, RenewalContract>();
  const hasSuccessor = new Set<string>();
  for (const c of contracts) byId.set(c.contract_id, c);
  for (const c of contracts) {
    if (c.previous_contract_id !== null && byId.has(c.previous_contract_id)) hasSuccessor.add(c.previous_contract_id);
  }
  const depth = new Map<string, number>();
  const renewalsSoFar = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    // Walk up the chain iteratively; a cycle (invalid data) stops the walk.
    const chain: string[] = [];
    const seen = new Set<string>();
    let cur: string | null = id;
    let base = -1;
    while (cur !== null && byId.has(cur) && !seen.has(cur)) {
      const d = depth.get(cur);
      if (d !== undefined) {
        base = d;
        break;
      }
      seen.add(cur);
      chain.push(cur);
      cur = byId.get(cur)!.previous_contract_id;
    }
    for (let i = chain.length - 1; i >= 0; i--) depth.set(chain[i], ++base);
    return depth.get(id)!;
  };
  const chainStart = (id: string): string => {
    // renewalsSoFar(id) steps back along previous_contract_id reach the chain's first contract.
    let cur = byId.get(id)!;
    for (let k = renewalsSoFar(id); k > 0; k--) cur = byId.get(cur.previous_contract_id!)!;
    return cur.start_date;
  };
  return { byId, hasSuccessor, renewalsSoFar, chainStart };
}

/** The features of a contract at its decision (renewal chain, tenure) with its usage measures. */
export function featuresOf(c: RenewalContract, accounts: Map<string, RenewalAccount>, idx: ContractIndex, usage: UsageFeatures): RenewalFeatures {
  const a = accounts.get(c.account_id);
  return {
    segment: a?.segment ?? '(unknown)',
    region: a?.region ?? null,
    renewalsSoFar: idx.renewalsSoFar(c.contract_id),
    discountPct: c.discount_pct,
    acvUsd: c.acv_usd,
    termMonths: c.term_months,
    usageTrend: usage.usageTrend,
    usageSlope: usage.usageSlope,
    usageLatentTrend: usage.usageLatentTrend,
    usersLatentTrend: usage.usersLatentTrend,
    tenureMonths: Math.max(0, monthsBetweenAverage(idx.chainStart(c.contract_id), c.end_date)),
  };
}

/**
 * What renewalDecisions and activeContracts compute. `usage`: the usage
 * measures to compute (default all; a measure left out is null). A model
 * reads one measure (usageReadBy): scoring with it, or refitting its
 * specification, needs only that one, and a model that reads none skips
 * the filter's fit.
 */
export interface RenewalFeatureOptions {
  usage?: UsageReads;
}

/**
 * The renewal decisions observable at `asOf`: every contract whose end_date is
 * before `asOf`, with the features known when it was decided. `usage` is the
 * usage rows or their index (usageIndexOf), built once for both calls.
 *
 * @example
 * const d = renewalDecisions(
 *   [
 *     { contract_id: 'C1', account_id: 'A', previous_contract_id: null, start_date: '2022-01-01', end_date: '2023-01-01', term_months: 12, discount_pct: 10, status: 'renewed', acv_usd: 1000 },
 *     { contract_id: 'C2', account_id: 'A', previous_contract_id: 'C1', start_date: '2023-01-01', end_date: '2024-01-01', term_months: 12, discount_pct: 0, status: 'churned', acv_usd: 1100 },
 *   ],
 *   [{ account_id: 'A', segment: 'smb', region: 'NA' }], [], '2024-06-01');
 * d.map((x) => [x.contract_id, x.renewed, x.renewalsSoFar]); // [['C1', true, 0], ['C2', false, 1]]
 */
export function renewalDecisions(
  contracts: readonly RenewalContract[],
  accounts: readonly RenewalAccount[],
  usage: readonly RenewalUsage[] | UsageIndex,
  asOf: string,
  options: RenewalFeatureOptions = {},
): RenewalDecision[] {
  const idx = indexContracts(contracts);
  const acc = new Map(accounts.map((a) => [a.account_id, a]));
  const decided = contracts.filter((c) => c.end_date < asOf);
  const use = usageFeaturesOf(decided, decided.map((c) => monthIndex(c.end_date)), usage, options.usage ?? ALL_USAGE);
  return decided.map((c, i) => ({
    contract_id: c.contract_id,
    account_id: c.account_id,
    decided_at: c.end_date,
    renewed: idx.hasSuccessor.has(c.contract_id) || c.status === 'renewed',
    ...featuresOf(c, acc, idx, use[i]),
  }));
}

/**
 * Contracts live at `asOf` whose renewal is still to be decided: started on or
 * before `asOf`, ending on or after it, not yet renewed by a successor, and
 * not already churned or expired. Usage trend is taken at the month of `asOf`.
 *
 * @example
 * activeContracts(contracts, accounts, usage, '2024-06-01').map((c) => c.contract_id);
 */
export function activeContracts(
  contracts: readonly RenewalContract[],
  accounts: readonly RenewalAccount[],
  usage: readonly RenewalUsage[] | UsageIndex,
  asOf: string,
  options: RenewalFeatureOptions = {},
): ActiveContract[] {
  const idx = indexContracts(contracts);
  const acc = new Map(accounts.map((a) => [a.account_id, a]));
  const live = contracts.filter((c) => !(c.start_date > asOf || c.end_date < asOf)
    && !(idx.hasSuccessor.has(c.contract_id) || c.status === 'churned' || c.status === 'expired'));
  const ref = monthIndex(asOf);
  const use = usageFeaturesOf(live, live.map(() => ref), usage, options.usage ?? ALL_USAGE);
  return live.map((c, i) => ({ contract_id: c.contract_id, account_id: c.account_id, end_date: c.end_date, ...featuresOf(c, acc, idx, use[i]) }));
}

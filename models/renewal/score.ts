/** Renewal probabilities of the active contracts, from decisions up to a date. */
import type { RenewalAccount, RenewalContract, RenewalUsage } from './types';
import { activeContracts, renewalDecisions } from './decisions';
import { fitRenewalModel, predictRenewal, type RenewalModel, type RenewalModelOptions } from './model';

export interface RenewalScore {
  contract_id: string;
  account_id: string;
  end_date: string;
  segment: string;
  p_renew: number;
  method: RenewalModel['kind'];
}

/**
 * Learn from the decisions before `asOf` and score every contract active at `asOf`.
 *
 * @example
 * const { model, scores } = scoreRenewals(contracts, accounts, usage, '2024-06-01');
 * scores[0].p_renew; // in (0, 1)
 */
export function scoreRenewals(
  contracts: readonly RenewalContract[],
  accounts: readonly RenewalAccount[],
  usage: readonly RenewalUsage[],
  asOf: string,
  options: RenewalModelOptions = {},
): { model: RenewalModel; scores: RenewalScore[] } {
  const model = fitRenewalModel(renewalDecisions(contracts, accounts, usage, asOf), options);
  const scores = activeContracts(contracts, accounts, usage, asOf).map((c) => ({
    contract_id: c.contract_id,
    account_id: c.account_id,
    end_date: c.end_date,
    segment: c.segment,
    p_renew: predictRenewal(model, c),
    method: model.kind,
  }));
  return { model, scores };
}

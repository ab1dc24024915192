/**
 * Renewal probability of active contracts, learned from past renewal decisions.
 *
 * A *decision* is a contract that ended before `asOf`: renewed when another
 * contract names it as `previous_contract_id` (or its status is `renewed`),
 * churned otherwise. Features are those known at the decision: the account's
 * segment and region, renewals so far (length of its previous-contract
 * chain), tenure (months from the start of the chain's first contract to
 * this contract's end date), discount, log ACV, term, and the account's usage
 * trend: now the change of log usage units, and of log active users when the
 * rows carry them, over the last six months before the contract's end month
 * as a Kalman filter of the account's whole usage history reads it
 * (models/usage-trend.ts; before, the least-squares slope of the nine
 * months before, and first the ratio of two three-month sums, which stored
 * models keep reading). The first-cut model is an
 * L2-regularised logistic regression fitted by Newton–IRLS; with too few
 * decisions (or only one outcome) it falls back to the empirical renewal
 * rate by segment, shrunk toward the overall rate.
 *
 * Where each part lives: types.ts (the rows read, the features),
 * decisions.ts (decisions and active contracts with their features),
 * usage.ts (the usage index and the three usage measures), usage-features.ts
 * (the measures of many contracts, account by account, only those a model
 * reads: usageReadBy), logistic.ts (Newton–IRLS and the
 * cross-validated penalty), model.ts (fitRenewalModel, predictRenewal,
 * renewalPath), score.ts (scoreRenewals).
 */

export type { ActiveContract, RenewalAccount, RenewalContract, RenewalDecision, RenewalFeatures, RenewalUsage } from './types';
export { chooseL2, fitLogistic, logisticObjective, type LogisticFit, type LogisticOptions } from './logistic';
export { USAGE_SLOPE_MIN_MONTHS, USAGE_SLOPE_MONTHS, USAGE_TREND_MONTHS, usageDynamicsOf, usageIndexInFrame, usageIndexOf, usageSlope, usageTrend, type UsageFrame, type UsageIndex } from './usage';
export { ALL_USAGE, eitherReads, NO_USAGE, usageReadBy, type UsageReads } from './usage-features';
export { activeContracts, renewalDecisions, type RenewalFeatureOptions } from './decisions';
export { fitRenewalModel, predictRenewal, renewalPath, type BlankDiscount, type EmpiricalRenewalModel, type LogisticRenewalModel, type RenewalModel, type RenewalModelOptions, type UsageMeasure } from './model';
export { scoreRenewals, type RenewalScore } from './score';

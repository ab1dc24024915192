import { DEFAULT_CONFIG, type AcvloopConfig } from './schema';

/**
 * Next month's budget: the same total as the recent months' average, each
 * channel within ±maxChange of its current spend. The run's config
 * (`budget`) sets them; the defaults are three months, ±20%, no uncertainty
 * penalty. `steps` is the optimizer's grid, not a policy.
 */
export type BudgetPolicy = AcvloopConfig['budget'] & { steps: number };
export const budgetPolicyOf = (config: Partial<AcvloopConfig> | null | undefined): BudgetPolicy => ({ ...DEFAULT_CONFIG.budget, ...config?.budget, steps: 400 });

/** What the budget optimizer takes (curves, guardrails, options) and gives (windows, plan, conflicts). */

/**
 * The guardrail that holds a channel where it is. 'total' = the channel is
 * inside its own window and only the total budget stops it from growing;
 * 'zero_spend' is `proposeBudget`'s name for a channel with no current spend.
 */
export type BindingGuardrail =
  | 'min'
  | 'max'
  | 'max_change_up'
  | 'max_change_down'
  | 'locked'
  | 'unidentified'
  | 'confidence'
  | 'total'
  | 'zero_spend'
  | 'none';

/** One reason the guardrails cannot all hold. */
export interface BudgetConflict {
  kind: 'channel' | 'minimums_above_budget' | 'maximums_below_budget' | 'target_roi';
  channels: string[];
  /** How far apart the conflicting limits are: USD, or ACV per dollar for 'target_roi'. */
  amount: number;
  message: string;
}

/** Raised when no allocation satisfies the guardrails and the total; `conflicts` says which and by how much. */
export class InfeasibleBudgetError extends Error {
  override name = 'InfeasibleBudgetError';
  readonly conflicts: readonly BudgetConflict[];
  constructor(message: string, conflicts: readonly BudgetConflict[] = []) {
    super(message);
    this.conflicts = conflicts;
  }
}

/** Expected incremental ACV per month as a function of the channel's monthly spend (USD). */
export type ResponseCurve = (spend: number) => number;

/** A spend bound: absolute USD, or a multiple of the channel's current (recent) spend. */
export type SpendBound = number | { timesCurrent: number };

export interface ChannelGuardrails {
  /** Smallest monthly spend. Default: none (spend >= 0). */
  min?: SpendBound;
  /** Largest monthly spend. Default: none. */
  max?: SpendBound;
  /** Largest month-over-month change, a fraction of current spend (0.2 = ±20%). Overrides the option of the same name. */
  maxChange?: number;
  /** Recommended = current, whatever the curves say. */
  locked?: boolean;
  /** The model cannot tell this channel's effect apart: it moves at most `unidentifiedMaxChange` of current spend. */
  unidentified?: boolean;
}

/** One channel as the optimizer sees it; the curves come from a media-mix model or any other source. */
export interface ChannelResponse {
  channel: string;
  /** Current (recent) monthly spend in USD, e.g. from `recentSpend`. */
  current: number;
  /** Expected incremental ACV per month at a monthly spend. */
  response: ResponseCurve;
  /** Bootstrap replicates of the curve: intervals and the uncertainty penalty. */
  draws?: readonly ResponseCurve[];
  guardrails?: ChannelGuardrails;
}

export interface OptimizeBudgetOptions {
  /** Total monthly budget in USD. */
  budget: number;
  /** 'equal' (default): spend exactly the budget; 'at_most': spend up to it. */
  totalMode?: 'equal' | 'at_most';
  /** Max month-over-month change for channels that set none of their own. Default: no limit. */
  maxChange?: number;
  /** Largest change, a fraction of current spend, of a channel marked `unidentified` (on top of every other limit). Default 0: held. */
  unidentifiedMaxChange?: number;
  /**
   * λ ≥ 0: maximize Σ over channels of (response − λ·sd of the draws). The
   * per-channel sds add up to the sd of the total only if the channels' errors
   * are perfectly correlated, so this is a conservative penalty, and it keeps
   * the objective separable (the grid search stays exact). Default 0.
   */
  uncertaintyPenalty?: number;
  /**
   * 'max-acv' (default): the best objective at the total. 'target-roi': the
   * largest total up to the budget (always treated as 'at_most') whose best
   * plan's expected ACV per dollar is at least `targetRoi`.
   */
  objective?: 'max-acv' | 'target-roi';
  targetRoi?: number;
  /**
   * In (0, 1]: a reallocation (the plan's total equals the current total)
   * moves money only as far as the draws agree it gains: the share of joint
   * draws in which the plan's ACV beats the current split's must reach this.
   * Otherwise the move is shortened (3/4, 1/2, 1/4 of the way) and, when no
   * step is that sure, the current split is kept; the shortened channels'
   * binding is 'confidence'. Default 0 (off); needs draws on every channel.
   */
  minConfidence?: number;
  /** Grid steps over the spend free to move (budget − Σ lower limits). Default 1000. */
  steps?: number;
  /** Polish the grid optimum with continuous pairwise transfers within one grid step. Default true. */
  refine?: boolean;
}

/** Which guardrail sets a channel's lower / upper limit ('zero': spend >= 0; 'none': uncapped). */
export type LowerLimitSource = 'min' | 'max_change_down' | 'unidentified' | 'locked' | 'zero';
export type UpperLimitSource = 'max' | 'max_change_up' | 'unidentified' | 'locked' | 'none';

/** A channel's allowed spend window after its own guardrails. */
export interface ChannelWindow {
  channel: string;
  lower: number;
  /** Infinity when nothing caps the channel (the budget still does). */
  upper: number;
  lowerBy: LowerLimitSource;
  upperBy: UpperLimitSource;
  /** The max-change fraction that applied, if any. */
  maxChange: number | null;
  /** The unidentified channel's step (`unidentifiedMaxChange`), when the channel is marked unidentified. */
  unidentifiedStep: number | null;
}

export interface BudgetPlanLine {
  channel: string;
  current: number;
  recommended: number;
  change: number;
  /** change / current; null when current is 0. */
  changePct: number | null;
  /** response(recommended). */
  expectedAcv: number;
  /** P10 / P90 (linear interpolation, R type 7) and sample sd of the draws at recommended; null without draws. */
  acvP10: number | null;
  acvP90: number | null;
  acvSd: number | null;
  /** d response / d spend at recommended: the incremental ACV of the next dollar. */
  marginalRoi: number;
  lower: number;
  /** null when uncapped. */
  upper: number | null;
  binding: BindingGuardrail;
}

export interface BudgetPlan {
  objective: 'max-acv' | 'target-roi';
  budget: number;
  totalSpend: number;
  lines: BudgetPlanLine[];
  /** Σ response(current). */
  currentAcv: number;
  /** Σ response(recommended). */
  expectedAcv: number;
  /** P10 / P90 of the plan's total over joint draws (draw d of every channel); null unless every channel has the same number of draws. */
  acvP10: number | null;
  acvP90: number | null;
  /** expectedAcv / totalSpend; null at zero spend. */
  roi: number | null;
  /** Σ (response − λ·sd): what was maximized. */
  objectiveValue: number;
  /** Spacing of the spend grid the exact search ran on (USD). */
  gridStep: number;
}

export const DEFAULT_STEPS = 1000;
/**
 * How far an unidentified channel may move when the caller says nothing: not
 * at all. Its draws cannot say which way is better (every bootstrap replicate
 * resamples the same collinear or flat spend, so they agree on an arbitrary
 * split), so any move is a bet; a user who wants a small step sets one.
 */
export const DEFAULT_UNIDENTIFIED_MAX_CHANGE = 0;

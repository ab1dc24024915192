/**
 * The path-level attribution engine: every model over one list of
 * aggregated paths, in one call.
 */
import { heuristicAttribution, HEURISTIC_MODELS, type ChannelCredit, type HeuristicModel } from './attribution-heuristics';
import { markovAttribution } from './markov';
import { aggregatePaths, pathTotals, type AttributionPath } from './paths';
import { shapleyAttribution, simplifiedShapleyAttribution } from './shapley';

export const PATH_MODELS = [...HEURISTIC_MODELS, 'markov', 'shapley', 'shapley_simplified'] as const;
export type PathModel = (typeof PATH_MODELS)[number];

export interface PathAttributionOptions {
  /** Models to run. Default all of PATH_MODELS. */
  models?: readonly PathModel[];
  /** Markov order k. Default 1. */
  order?: number;
  /** Time-decay half-life (days with ageDays, else touch positions). Default 1. */
  halfLife?: number;
}

export interface PathAttribution {
  totals: { conversions: number; value: number; nulls: number };
  /** model -> channel -> credit. */
  models: Partial<Record<PathModel, Record<string, ChannelCredit>>>;
  /** Markov removal effects of conversions (present when markov ran). */
  removalEffects?: Record<string, number>;
  /** Markov removal effects of value. */
  removalEffectsValue?: Record<string, number>;
  /** Markov P(conversion) from start in the full chain. */
  conversionProbability?: number;
}

/**
 * Runs the chosen models on paths. Markov and Shapley read aggregated channel
 * sequences, so identical paths are merged for them first.
 *
 * @example
 * const r = attributePaths([{ channels: ['a', 'b'], conversions: 1, value: 10, nulls: 1 }], { models: ['first', 'markov'] });
 * r.models.first;  // { a: { conversions: 1, value: 10 }, b: { conversions: 0, value: 0 } }
 * r.removalEffects; // { a: 1, b: 1 }
 */
export function attributePaths(paths: readonly AttributionPath[], options: PathAttributionOptions = {}): PathAttribution {
  const models = options.models ?? PATH_MODELS;
  for (const m of models) if (!(PATH_MODELS as readonly string[]).includes(m)) throw new RangeError(`unknown attribution model "${m}" (models: ${PATH_MODELS.join(', ')})`);
  const result: PathAttribution = { totals: pathTotals(paths), models: {} };
  const needsAggregate = models.some((m) => m === 'markov' || m === 'shapley' || m === 'shapley_simplified');
  const merged = needsAggregate ? aggregatePaths(paths) : [];
  for (const m of models) {
    if (m === 'markov') {
      const mk = markovAttribution(merged, { order: options.order });
      result.models.markov = mk.credit;
      result.removalEffects = mk.removalEffects;
      result.removalEffectsValue = mk.removalEffectsValue;
      result.conversionProbability = mk.conversionProbability;
    } else if (m === 'shapley') result.models.shapley = shapleyAttribution(merged);
    else if (m === 'shapley_simplified') result.models.shapley_simplified = simplifiedShapleyAttribution(merged);
    else result.models[m] = heuristicAttribution(paths, m as HeuristicModel, { halfLife: options.halfLife });
  }
  return result;
}

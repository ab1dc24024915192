/**
 * How many shards a run's contract scoring splits into when its config does
 * not say (`scale.scoreShards`): enough for a few workers to share a month,
 * few enough that a one-worker run pays little for the split (README,
 * "Sizing workers and shards").
 */
export const DEFAULT_SCORE_SHARDS = 4;

/** The shard indices 0 .. count − 1. */
export const shardIndices = (count: number): number[] => Array.from({ length: count }, (_, i) => i);

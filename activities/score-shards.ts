import os from 'node:os';
import type { DropRows } from '../contracts/rows';
import { monthIndex } from '../lib/dates';
import { collectionHistory } from '../models/finance/collections';
import { contractLtv, costRatioBySegment, expectedExpansion, renewalUplift } from '../models/ltv';
import { NO_USAGE, renewalDecisions, usageDynamicsOf, usageIndexInFrame, usageReadBy, type RenewalModel, type UsageFrame } from '../models/renewal';
import { USAGE_DYNAMICS_MAX_ACCOUNTS } from '../models/renewal/usage';
import { SCORING_ACCOUNT_COLUMNS, SCORING_USAGE_COLUMNS, scoringInputs, type ScorePlan } from '../models/scoring-inputs';
import { copyContractScores, type ContractScoreRow } from '../store/scores';
import { readScoreShardRows, recordScoreShard, saveScorePlan, scorePlanOf, storedShard, usageSample, usageSpan } from '../store/score-shards';
import { inLockedTransaction } from '../store/transaction';
import { attempt, heartbeat, runContext, type ActivityDeps } from './context';
import { contractsWithSegment } from './cycle-data';
import { loadSources } from './load';
import { gatePromotions, renewalModelOf, servingVersion } from './registry';

/** The plan every shard of a run shares (models/scoring-inputs.ts, where the what-if reads it too). */
export type { ScorePlan };

/**
 * The scoring plan of a run, computed once from the whole drop and stored
 * (score_plans) before its shards start; a retry returns the plan stored.
 */
export async function planScores(deps: ActivityDeps, runId: string, shards: number): Promise<{ shards: number; modelVersionId: string }> {
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`planScores: ${shards} shards; a whole number from 1`);
  const { db } = deps.db;
  const known = await scorePlanOf(db, runId);
  if (known) return { shards: known.shards, modelVersionId: known.model_version_id };
  const { batchId, asOf, scope } = await runContext(deps, runId);
  const serving = await servingVersion(deps, runId, 'renewal', await gatePromotions(deps, runId));
  const rows = await loadSources(deps, batchId, ['accounts', 'contracts', 'invoices'],
    { accounts: SCORING_ACCOUNT_COLUMNS, invoices: ['contract_id', 'issued_at', 'amount_usd', 'paid_at'] }, scope);
  const renewal = renewalModelOf(serving.params, serving.params?.kind === 'baseline_rate'
    ? renewalDecisions(rows.contracts, rows.accounts, [], asOf, { usage: NO_USAGE }) : []);
  const uplift = renewalUplift(rows.contracts);
  const withSegment = contractsWithSegment(rows);
  const plan: ScorePlan = {
    renewal,
    uplift: { mean: uplift.mean, n: uplift.n },
    costRatios: costRatioBySegment(withSegment),
    usage: await usageFrameOf(deps, batchId, renewal, scope?.accounts),
    // LTV counts what each segment has collected of its billing, and how late (finance/collections.ts).
    collections: collectionHistory(rows.invoices, new Map(withSegment.map((c) => [c.contract_id, c.segment])), asOf),
  };
  const stored = await saveScorePlan(db, runId, { shards, model_version_id: serving.model_version_id, plan });
  return { shards: stored.shards, modelVersionId: stored.model_version_id };
}

/** The usage frame the renewal model reads its measures in; null when it reads none or there is no usage. */
async function usageFrameOf(deps: ActivityDeps, batchId: string, renewal: RenewalModel, within?: readonly string[]): Promise<UsageFrame | null> {
  const reads = usageReadBy(renewal);
  if (!reads.ratio && !reads.slope && !reads.units && !reads.users) return null;
  const span = await usageSpan(deps.db, batchId);
  if (span.firstMonth === null || span.lastMonth === null) return null;
  const frame: UsageFrame = { firstMonth: monthIndex(span.firstMonth), lastMonth: monthIndex(span.lastMonth), withUsers: span.withUsers, dynamics: {} };
  if (reads.units || reads.users) {
    const sample = await usageSample(deps.db, batchId, USAGE_DYNAMICS_MAX_ACCOUNTS, SCORING_USAGE_COLUMNS, within) as unknown as DropRows['usage'];
    const index = usageIndexInFrame(sample, frame);
    if (reads.units) frame.dynamics.units = usageDynamicsOf(index, 'units');
    if (reads.users) frame.dynamics.users = usageDynamicsOf(index, 'users');
  }
  return frame;
}

/**
 * Scores the active contracts of one shard of the run's accounts (renewal
 * probability conditioned on the contract's history, LTV P10/P50/P90,
 * projected ARR) by its plan, and stores them with the shard's record in
 * one transaction: a worker lost mid-shard stored nothing, and a retry or a
 * duplicate of a stored shard stores nothing again.
 */
export async function scoreShard(deps: ActivityDeps, runId: string, shard: number, shards: number): Promise<{ shard: number; contracts: number }> {
  const { db } = deps.db;
  const stored = await scorePlanOf(db, runId);
  if (!stored) throw new Error(`run ${runId} has no scoring plan: planScores did not run`);
  if (stored.shards !== shards || !Number.isInteger(shard) || shard < 0 || shard >= shards) {
    throw new Error(`run ${runId} is scored in ${stored.shards} shards; shard ${shard} of ${shards} is not one of them`);
  }
  const done = await storedShard(db, runId, shard);
  if (done !== undefined) return { shard, contracts: done };
  const plan = stored.plan as ScorePlan;
  const scores = await scoreContractsOfShard(deps, runId, plan, { index: shard, count: shards });
  const contracts = await inLockedTransaction(deps, `score-shard:${runId}:${shard}`, async (client, tx) => {
    const first = await storedShard(tx, runId, shard);
    if (first !== undefined) return first;
    await copyContractScores(client, runId, stored.model_version_id, scores);
    await recordScoreShard(tx, { run_id: runId, shard, contracts: scores.length, worker: `${process.pid}@${os.hostname()}`, attempt: attempt() });
    return scores.length;
  });
  return { shard, contracts };
}

async function scoreContractsOfShard(deps: ActivityDeps, runId: string, plan: ScorePlan, shard: { index: number; count: number }): Promise<ContractScoreRow[]> {
  const { batchId, asOf, seed, scope } = await runContext(deps, runId);
  const rows = await readScoreShardRows<DropRows['accounts'][number], DropRows['contracts'][number], DropRows['usage'][number]>(
    deps.db, batchId, shard, { accounts: SCORING_ACCOUNT_COLUMNS, contracts: undefined, usage: plan.usage ? SCORING_USAGE_COLUMNS : [] }, heartbeat, scope?.accounts);
  const inputs = scoringInputs(plan, rows, { asOf, seed }, new Set(rows.accounts.map((a) => a.account_id)));
  return inputs.map(({ contract: c, ltv: input, options }, i) => {
    const ltv = contractLtv(input, options);
    if (i % 500 === 0) heartbeat({ shard: shard.index, scored: i });
    const expansion = plan.uplift.n ? expectedExpansion(ltv, c.acv_usd, plan.uplift.mean) : 0;
    return { contract_id: c.contract_id, account_id: c.account_id, renewal_probability: ltv.pNextRenewal, ltv_mean: ltv.expected,
      ltv_p10: ltv.p10, ltv_p50: ltv.p50, ltv_p90: ltv.p90, ltv_outcomes: ltv.outcomes, projected_arr: ltv.projectedArr12m,
      next_renewal_date: c.end_date, expected_expansion: expansion };
  });
}

/** The Temporal activities: `planScores` once per run, then `scoreShard` once per shard, on any worker. */
export function scoreShardActivities(deps: ActivityDeps) {
  return {
    planScores: ({ runId, shards }: { runId: string; shards: number }) => planScores(deps, runId, shards),
    scoreShard: ({ runId, shard, shards }: { runId: string; shard: number; shards: number }) => scoreShard(deps, runId, shard, shards),
  };
}

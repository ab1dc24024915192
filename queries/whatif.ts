/**
 * The read side of `acvloop whatif`: a scored run's plan (its serving renewal
 * model and what every shard shared), the rows one contract or one cohort of
 * accounts was scored from, and their stored scores, handed to the pure
 * what-if (models/whatif.ts). The rows are read as a score shard reads its
 * own (store/score-shards.ts readScoreShardRows): the accounts, their usage,
 * and their contracts with every contract of the same renewal chains.
 */
import { SEGMENTS } from '../contracts/rows';
import { asOfDate } from '../lib/dates';
import type { RenewalModel } from '../models/renewal';
import { SCORING_ACCOUNT_COLUMNS, SCORING_USAGE_COLUMNS, scoringInputs, type ScorePlan, type ScoringInput, type ScoringRows } from '../models/scoring-inputs';
import {
  checkScenario, cohortWhatIf, contractWhatIf, whatIfEffects, type CohortTotals, type ContractOutcome, type ContractWhatIf, type WhatIfEffects, type WhatIfScenario,
} from '../models/whatif';
import type { Db } from '../sql/db';
import { registeredRun, runExists } from '../store/runs';
import { readWholeChains, scorePlanOf } from '../store/score-shards';
import { readSourceRowsWhere } from '../store/source-rows';

/** What a contract's or a cohort's what-if says of the run it reads. */
export interface WhatIfOfRun {
  runId: string;
  asOf: string;
  /** The serving renewal version the run was scored with (and the scenario is read from). */
  modelVersionId: string;
  renewalModel: RenewalModel['kind'];
  /** The levers asked for; the others stay as each contract has them. */
  levers: WhatIfScenario;
  effects: WhatIfEffects;
}

/** The run's stored score of a contract (contract_scores), beside which the baseline is recomputed. */
export interface StoredScore {
  renewalProbability: number; ltvMean: number; ltvP10: number; ltvP50: number; ltvP90: number; projectedArr: number;
}

export interface ContractWhatIfOfRun extends WhatIfOfRun, ContractWhatIf {
  scored: StoredScore;
  /** Whether the recomputed baseline is the stored score, every number equal (false: the run was scored by other code, say). */
  reproducesScore: boolean;
}

export interface CohortWhatIfOfRun extends WhatIfOfRun {
  cohort: { segment: string; region: string | null };
  baseline: CohortTotals;
  scenario: CohortTotals;
  /** The stored scores of the same contracts, summed. */
  scored: Omit<StoredScore, 'renewalProbability'> & { contracts: number; expectedRenewals: number };
  reproducesScores: boolean;
  contracts: { contractId: string; accountId: string; baseline: CompactOutcome; scenario: CompactOutcome; notes: string[] }[];
}

type CompactOutcome = Pick<ContractOutcome, 'acvUsd' | 'renewalProbability' | 'ltvMean' | 'ltvP50' | 'marginAnnualUsd' | 'projectedArr'>;

/** A scored run's plan, date, seed and batch; a clear refusal when the run is unknown or was never scored. */
async function scoredRun(handle: Db, runId: string) {
  if (!(await runExists(handle.db, runId))) throw new Error(`no run ${runId} in schema ${handle.schema}`);
  const stored = await scorePlanOf(handle.db, runId);
  if (!stored) {
    const scored = await handle.db.selectFrom('contract_scores').select('contract_id').where('run_id', '=', runId).limit(1).executeTakeFirst();
    throw new Error(scored
      ? `run ${runId} was scored before runs stored their scoring plan (issue 15): the inputs its contracts were scored from cannot be rebuilt; a rerun of its month can be`
      : `run ${runId} has no contract scores: its score stage has not run, so there is no scored contract to start a what-if from`);
  }
  const run = await registeredRun(handle.db, runId);
  const batch = await handle.db.selectFrom('run_batches').select('batch_id').where('run_id', '=', runId).executeTakeFirstOrThrow();
  const plan = stored.plan as ScorePlan;
  return { plan, modelVersionId: stored.model_version_id, batchId: batch.batch_id, scoring: { asOf: asOfDate(run.month), seed: Number(run.seed) } };
}

function aboutRun(runId: string, r: Awaited<ReturnType<typeof scoredRun>>, levers: WhatIfScenario): WhatIfOfRun {
  return { runId, asOf: r.scoring.asOf, modelVersionId: r.modelVersionId, renewalModel: r.plan.renewal.kind, levers, effects: whatIfEffects(r.plan.renewal) };
}

/**
 * One contract of a scored run as scored (baseline) and under the levers (scenario).
 *
 * @example
 * const w = await readContractWhatIf(handle, 'run-2026-10', 'C-1001', { discountPct: 15 });
 * w.baseline.ltvP50 === w.scored.ltvP50; // true
 */
export async function readContractWhatIf(handle: Db, runId: string, contractId: string, levers: WhatIfScenario): Promise<ContractWhatIfOfRun> {
  checkScenario(levers);
  const r = await scoredRun(handle, runId);
  const [row] = await readSourceRowsWhere(handle, 'contracts', ['contract_id', 'account_id', 'status', 'end_date'],
    { where: 'batch_id = $1 and contract_id = $2', values: [r.batchId, contractId] });
  if (!row) throw new Error(`no contract ${contractId} in the drop of run ${runId}`);
  const rows = await readRowsOfAccounts(handle, r.batchId, r.plan, 'account_id = $2', [row.account_id]);
  const input = scoringInputs(r.plan, rows, r.scoring, new Set([row.account_id as string])).find((x) => x.contract.contract_id === contractId);
  if (!input) {
    throw new Error(`contract ${contractId} was not active on ${r.scoring.asOf} (status ${row.status}, ends ${row.end_date}): run ${runId} scored only the contracts live at its date`);
  }
  const scored = (await storedScores(handle, runId, [contractId])).get(contractId);
  if (!scored) throw new Error(`run ${runId} stored no score of contract ${contractId}`);
  const w = contractWhatIf(r.plan, input, levers, r.scoring);
  return { ...aboutRun(runId, r, levers), ...w, scored, reproducesScore: reproduces(w.baseline, scored) };
}

/**
 * The run's active contracts of a segment (and region) as scored and under the levers, with their totals.
 *
 * @example
 * const w = await readCohortWhatIf(handle, 'run-2026-10', { segment: 'enterprise', region: 'EMEA' }, { termMonths: 36 });
 * w.scenario.ltvMean - w.baseline.ltvMean;
 */
export async function readCohortWhatIf(
  handle: Db, runId: string, cohort: { segment: string; region?: string }, levers: WhatIfScenario,
): Promise<CohortWhatIfOfRun> {
  checkScenario(levers);
  const r = await scoredRun(handle, runId);
  const rows = await readRowsOfAccounts(handle, r.batchId, r.plan, cohort.region === undefined ? 'segment = $2' : 'segment = $2 and region = $3',
    cohort.region === undefined ? [cohort.segment] : [cohort.segment, cohort.region]);
  const named = `segment ${cohort.segment}${cohort.region === undefined ? '' : ` in region ${cohort.region}`}`;
  if (rows.accounts.length === 0) {
    const known = (SEGMENTS as readonly string[]).includes(cohort.segment) ? '' : ` (the segments are ${SEGMENTS.join(', ')})`;
    throw new Error(`no account of ${named} in the drop of run ${runId}${known}`);
  }
  const active: ScoringInput[] = scoringInputs(r.plan, rows, r.scoring, new Set(rows.accounts.map((a) => a.account_id)));
  // The cohort is what the run scored of it: a pilot scored only its scope's contracts.
  const stored = await storedScores(handle, runId, active.map((x) => x.contract.contract_id));
  const inputs = active.filter((x) => stored.has(x.contract.contract_id));
  if (inputs.length === 0) throw new Error(`no account of ${named} has a contract run ${runId} scored (active on ${r.scoring.asOf}${active.length ? ', in the run\'s scope' : ''})`);
  const w = cohortWhatIf(r.plan, inputs, levers, r.scoring);
  const sum = (f: (s: StoredScore) => number) => [...stored.values()].reduce((t, s) => t + f(s), 0);
  const compact = (o: ContractOutcome): CompactOutcome => ({
    acvUsd: o.acvUsd, renewalProbability: o.renewalProbability, ltvMean: o.ltvMean, ltvP50: o.ltvP50, marginAnnualUsd: o.marginAnnualUsd, projectedArr: o.projectedArr,
  });
  return {
    ...aboutRun(runId, r, levers),
    cohort: { segment: cohort.segment, region: cohort.region ?? null },
    baseline: w.totals.baseline,
    scenario: w.totals.scenario,
    scored: {
      contracts: stored.size, expectedRenewals: sum((s) => s.renewalProbability), ltvMean: sum((s) => s.ltvMean),
      ltvP10: sum((s) => s.ltvP10), ltvP50: sum((s) => s.ltvP50), ltvP90: sum((s) => s.ltvP90), projectedArr: sum((s) => s.projectedArr),
    },
    reproducesScores: w.contracts.every((c) => stored.has(c.contractId) && reproduces(c.baseline, stored.get(c.contractId)!)),
    contracts: w.contracts.map((c) => ({ contractId: c.contractId, accountId: c.accountId, baseline: compact(c.baseline), scenario: compact(c.scenario), notes: c.notes })),
  };
}

const reproduces = (b: ContractOutcome, s: StoredScore) => b.renewalProbability === s.renewalProbability && b.ltvMean === s.ltvMean
  && b.ltvP10 === s.ltvP10 && b.ltvP50 === s.ltvP50 && b.ltvP90 === s.ltvP90 && b.projectedArr === s.projectedArr;

async function storedScores(handle: Db, runId: string, contractIds: readonly string[]): Promise<Map<string, StoredScore>> {
  const rows = contractIds.length === 0 ? [] : await handle.db.selectFrom('contract_scores')
    .select(['contract_id', 'renewal_probability', 'ltv_mean', 'ltv_p10', 'ltv_p50', 'ltv_p90', 'projected_arr'])
    .where('run_id', '=', runId).where('contract_id', 'in', contractIds).execute();
  return new Map(rows.map((s) => [s.contract_id, {
    renewalProbability: s.renewal_probability, ltvMean: s.ltv_mean, ltvP10: s.ltv_p10, ltvP50: s.ltv_p50, ltvP90: s.ltv_p90, projectedArr: s.projected_arr,
  }]));
}

/**
 * The accounts a filter on src_accounts keeps ($1 is the batch), their usage
 * when the plan reads usage, and their contracts with whole renewal chains:
 * the rows a score shard holding these accounts would have read.
 */
async function readRowsOfAccounts(handle: Db, batchId: string, plan: ScorePlan, accountWhere: string, values: unknown[]): Promise<ScoringRows> {
  const accounts = await readSourceRowsWhere(handle, 'accounts', SCORING_ACCOUNT_COLUMNS, { where: `batch_id = $1 and ${accountWhere}`, values: [batchId, ...values] });
  const ids = accounts.map((a) => a.account_id);
  const ofAccounts = { where: 'batch_id = $1 and account_id = any($2)', values: [batchId, ids] };
  const contracts = ids.length === 0 ? [] : await readWholeChains(handle, batchId, undefined, await readSourceRowsWhere(handle, 'contracts', undefined, ofAccounts));
  const usage = ids.length === 0 || !plan.usage ? [] : await readSourceRowsWhere(handle, 'usage', SCORING_USAGE_COLUMNS, ofAccounts);
  return { accounts, contracts, usage } as unknown as ScoringRows;
}

import { ltvCard } from '../models/ltv-card';
import type { ScorePlan } from '../models/scoring-inputs';
import { scorePlanOf } from '../store/score-shards';
import { sql } from 'kysely';
import type { ChannelIdentifiability } from '../models/identifiability';
import type { LiftTestCalibration } from '../models/mmm-calibration';
import type { Db } from '../sql/db';
import { runById } from '../store/runs';
import { accountsOverview, type AccountsOverview } from './accounts';
import { FINANCE_TABLES, financeOverview, type FinanceOverview } from './finance';
import { pilotOverview, type PilotOverview } from './pilot';

/**
 * What `acvloop show` and the demo print: every number read back from
 * Postgres by run id, nothing recomputed.
 */
export interface RunReport {
  runId: string;
  month: string;
  status: string;
  requestedBy: string;
  version: number;
  codeVersion: string;
  drop: { path: string; sha256: string };
  ingest: {
    batchId: string | null;
    files: { file: string; sha256: string; rowsRead: number; rowsAccepted: number; rowsQuarantined: number; contractVersion: string | null }[];
    quarantineByRule: { file: string; rule: string; rows: number }[];
  };
  /** New ACV (first contracts) credited per model and channel. */
  attribution: Record<string, Record<string, number>>;
  attributionConversions: Record<string, Record<string, number>>;
  /** Expansion ACV (renewal uplift) credited per model and channel. */
  attributionExpansion: Record<string, Record<string, number>>;
  /** Markov removal effects per channel, of new and of expansion ACV. */
  removalEffects: { new: Record<string, number>; expansion: Record<string, number> };
  /** What each channel's spend caused (media-mix model), beside the ACV attribution credits to it. */
  incrementality: Record<string, {
    spend: number; incrementalAcv: number; low: number; high: number; interval: number; roi: number | null; mroi: number | null;
    /** ROI and marginal ROI over the same bootstrap draws as incremental ACV's interval (null for rows written before they were kept). */
    roiInterval: [number, number] | null; mroiInterval: [number, number] | null;
    attributedAcv: Record<string, number>;
    /** Whether the data can tell the channel's effect apart, and why not (null for rows written before the flags were kept). */
    identifiability: ChannelIdentifiability | null;
  }>;
  /**
   * Per lift test the fit used: the channel's ROI interval before calibration (the fit without tests) and after, the
   * model's incremental ACV over the test's months beside the test's, and whether they agree ('disagrees' is for review).
   * Empty when the run had no lift test in the model's window (or was written before this was kept).
   */
  calibration: LiftTestCalibration[];
  renewals: {
    survival: Record<string, { t: number; survival: number; lo95: number | null; hi95: number | null; atRisk: number }[]>;
    models: Record<string, unknown>;
  };
  forecastTotals: { scenario: string; horizonMonths: number; spend: number; mean: number; lo80: number; hi80: number; lo95: number; hi95: number }[];
  kpis: Record<string, unknown>;
  /** `ltvP50EqualsP90`: contracts whose LTV P50 and P90 coincide (a discrete LTV, see `ltv_outcomes` in `acvloop scores`). */
  contracts: { scored: number; modelVersion: string | null; meanRenewalProbability: number | null; totalLtvMean: number | null; totalLtvP50: number | null; totalProjectedArr: number | null; atRiskArr: number | null; ltvP50EqualsP90: number; top: { contractId: string; accountId: string; renewalProbability: number; ltvP50: number }[];
    /** How the LTV counts money (models/ltv-card.ts), from the run's score plan; empty before the run is scored. */
    ltvCard: string[] };
  forecast: { scenario: string; month: string; mean: number; lo80: number; hi80: number; lo95: number; hi95: number }[];
  /** The accounts to pursue (issue 16): the serving version, the tiers' KPIs, the MQLs and the first ten by rank; null when the run scored none. */
  accounts: AccountsOverview | null;
  /** Contract finance (issue 17): billed and collected over the twelve months to the run's month, leakage, gross margin by channel, time to value; null when the run stored none. */
  finance: FinanceOverview | null;
  /** A pilot's scope and its KPIs beside the organisation-wide last approved run's (issue 17, part 6); null for an organisation-wide run. */
  pilot: PilotOverview | null;
  backtest: { modelVersionId: string; role: string; metric: string; value: number | null }[];
  budget: Record<string, { current: number; recommended: number; change: number; binding: string; [detail: string]: unknown }>;
  models: { modelVersionId: string; family: string; metrics: unknown }[];
  approval: { decision: string; reviewer: string | null; reason: string | null; at: string } | null;
  /** The attribution agreement the run used (from its attribution model version), null before retrain. */
  attributionPolicy: { version: string; sha256: string; reportedModel: string } | null;
  /** Open disputes (no resolution yet) of runs of this run's month and earlier, oldest first. */
  disputes: { id: string; runId: string; month: string; opportunityId: string; reason: string; raisedBy: string; raisedAt: string;
    model: string; policyVersion: string; acv: number; byChannel: Record<string, number> }[];
  stages: { name: string; status: string; at: string }[];
  /** The backtest gate's verdict: each family passed or not, and every check (name, value, threshold, pass/fail). */
  gate: { passed: boolean; promote: string[]; families: Record<string, { passed: boolean; reason: string; version: string }>; checks: unknown[] } | null;
  /** What the gate asks sign-off for, how many approvers, and what changed since the last approved run. */
  approvalRequest: { requiredApprovers: number; budgetMoveShare: number | null; signOff: any; previousRunId: string | null; changes: any } | null;
  /** Each reviewer's decision, in order. */
  decisions: { reviewer: string; decision: string; reason: string | null; at: string }[];
  /** Drift of this drop against its reference: drifted sources and features, with every feature's test. */
  drift: { sources: unknown[]; features: unknown[] } | null;
  outputs: { database: string; schema: string; tables: string[] };
}

type Kdb = Db['db'];
type RunRow = NonNullable<Awaited<ReturnType<typeof runById>>>;

/** Every part of a run's report, each read by its own step below, in the order the report lists them. */
export async function readRun(handle: Db, runId: string): Promise<RunReport> {
  const { db } = handle;
  const run = await runById(db, runId);
  if (!run) throw new Error(`no run ${runId} in schema ${handle.schema}`);
  const ingest = await readIngest(db, runId);
  const credits = await readAttribution(db, runId);
  const incrementality = await readIncrementality(db, runId, credits.attribution);
  const survival = await readSurvival(db, runId);
  const kpis = await readKpis(db, runId);
  const contracts = await readScoresSummary(db, runId);
  const forecasts = await readForecasts(db, runId);
  const accounts = await accountsOverview(db, runId);
  const finance = await financeOverview(db, runId);
  const pilot = await pilotOverview(handle, run);
  const backtest = await readBacktest(db, runId);
  const budget = await readBudget(db, runId);
  const models = await readModels(db, runId);
  const approval = await db.selectFrom('approvals').selectAll().where('run_id', '=', runId).executeTakeFirst();
  const progress = await readProgress(db, runId);
  const attributionPolicy = await readAttributionPolicy(db, runId, models.length > 0);
  const disputes = await readOpenDisputes(db, run.month);
  const governance = await readGovernance(db, runId);
  const drift = await readDrift(db, runId);
  const status = runStatus({ outcome: progress.outcome, published: progress.published, scored: progress.scored, decided: !!approval,
    requiredApprovers: governance.approvalRequest?.requiredApprovers ?? null });

  return {
    ...runHeader(runId, run, status), ingest,
    ...credits, incrementality, calibration: calibrationOf(models.find((m) => m.family === 'incrementality')?.metrics), kpis,
    renewals: {
      survival,
      models: Object.fromEntries(models.filter((m) => m.family === 'renewal' || m.family === 'survival').map((m) => [m.family, m.metrics])),
    },
    contracts, ...forecasts, accounts, finance, pilot, backtest, budget,
    models: models.map((m) => ({ modelVersionId: m.model_version_id, family: m.family, metrics: m.metrics })),
    approval: approval ? { decision: approval.decision, reviewer: approval.reviewer, reason: approval.reason, at: approval.decided_at.toISOString() } : null,
    attributionPolicy, disputes, stages: progress.stages, ...governance, drift,
    outputs: {
      database: 'postgres',
      schema: handle.schema,
      tables: ['attribution', 'attribution_removal_effects', 'incrementality', 'survival_curves', 'forecast_totals', 'kpis', 'contract_scores', 'forecasts', 'budget_recommendations', 'backtests', 'model_versions', 'lineage_events', 'quarantine',
        ...(accounts ? ['account_score_runs', 'account_scores'] : []), ...(finance ? FINANCE_TABLES : [])],
    },
  };
}

/** The run's own row: who asked, which code and which drop. */
function runHeader(runId: string, run: RunRow, status: string): Pick<RunReport, 'runId' | 'month' | 'status' | 'requestedBy' | 'version' | 'codeVersion' | 'drop'> {
  return {
    runId, month: run.month, status, requestedBy: run.requested_by, version: run.version, codeVersion: run.code_version,
    drop: { path: run.drop_path, sha256: run.drop_sha256 },
  };
}

/** The drop's files as ingested and validated, and the quarantined rows per file and rule. */
async function readIngest(db: Kdb, runId: string): Promise<RunReport['ingest']> {
  const batch = await db.selectFrom('run_batches').select('batch_id').where('run_id', '=', runId).executeTakeFirst();
  const batchId = batch?.batch_id ?? null;
  const files: RunReport['ingest']['files'] = [];
  const quarantineByRule: RunReport['ingest']['quarantineByRule'] = [];
  if (batchId) {
    const ingested = await db.selectFrom('ingest_files').selectAll().where('batch_id', '=', batchId).orderBy('file').execute();
    const report = await db.selectFrom('validation_reports').selectAll().where('batch_id', '=', batchId).executeTakeFirst();
    const validated = new Map<string, any>(((report?.files ?? []) as any[]).map((f) => [f.file, f]));
    for (const f of ingested) {
      const v = validated.get(f.file);
      files.push({
        file: f.file, sha256: f.sha256, rowsRead: f.rows_read,
        rowsAccepted: v ? v.rowsAccepted : 0, rowsQuarantined: v ? v.rowsQuarantined : 0,
        contractVersion: v?.contractVersion ?? null,
      });
    }
    const q = await db.selectFrom('quarantine')
      .select(['file', 'rule', (eb) => eb.fn.count<string>('line').distinct().as('rows')])
      .where('batch_id', '=', batchId).groupBy(['file', 'rule']).orderBy('file').orderBy('rule').execute();
    for (const r of q) quarantineByRule.push({ file: r.file, rule: r.rule, rows: Number(r.rows) });
  }
  return { batchId, files, quarantineByRule };
}

/** ACV credited per model and channel (new and expansion), conversions, and the Markov removal effects. */
async function readAttribution(db: Kdb, runId: string):
Promise<Pick<RunReport, 'attribution' | 'attributionConversions' | 'attributionExpansion' | 'removalEffects'>> {
  const attribution: RunReport['attribution'] = {};
  const attributionConversions: RunReport['attributionConversions'] = {};
  const attributionExpansion: RunReport['attributionExpansion'] = {};
  const attr = await db.selectFrom('attribution').selectAll().where('run_id', '=', runId).where('dimension', '=', 'channel')
    .orderBy('model').orderBy('acv_usd', 'desc').execute();
  for (const a of attr) {
    if (a.revenue === 'expansion') {
      (attributionExpansion[a.model] ??= {})[a.key] = round2(a.acv_usd);
      continue;
    }
    (attribution[a.model] ??= {})[a.key] = round2(a.acv_usd);
    (attributionConversions[a.model] ??= {})[a.key] = round4(a.conversions);
  }
  const removalEffects: RunReport['removalEffects'] = { new: {}, expansion: {} };
  const re = await db.selectFrom('attribution_removal_effects').selectAll().where('run_id', '=', runId).orderBy('channel').execute();
  for (const r of re) removalEffects[r.revenue][r.channel] = round4(r.removal_effect);
  return { attribution, attributionConversions, attributionExpansion, removalEffects };
}

/** What each channel's spend caused (media-mix model), beside what each attribution model credits to it. */
async function readIncrementality(db: Kdb, runId: string, attribution: RunReport['attribution']): Promise<RunReport['incrementality']> {
  const incrementality: RunReport['incrementality'] = {};
  const inc = await db.selectFrom('incrementality').selectAll().where('run_id', '=', runId).orderBy('channel').execute();
  for (const i of inc) {
    const attributedAcv: Record<string, number> = {};
    for (const [model, byChannel] of Object.entries(attribution)) attributedAcv[model] = byChannel[i.channel] ?? 0;
    incrementality[i.channel] = {
      spend: round2(i.spend_usd), incrementalAcv: round2(i.incremental_acv), low: round2(i.low), high: round2(i.high), interval: i.interval,
      roi: i.roi === null ? null : round4(i.roi), mroi: i.mroi === null ? null : round4(i.mroi),
      roiInterval: drawInterval(i.detail, 'roi'), mroiInterval: drawInterval(i.detail, 'mroi'), attributedAcv,
      identifiability: (i.detail as { identifiability?: ChannelIdentifiability } | null)?.identifiability ?? null,
    };
  }
  return incrementality;
}

/** The renewal survival curves per group. */
async function readSurvival(db: Kdb, runId: string): Promise<RunReport['renewals']['survival']> {
  const survival: RunReport['renewals']['survival'] = {};
  const curves = await db.selectFrom('survival_curves').selectAll().where('run_id', '=', runId).orderBy('group_key').orderBy('t_months').execute();
  for (const c of curves) {
    (survival[c.group_key] ??= []).push({ t: c.t_months, survival: round4(c.survival), lo95: c.lo95 === null ? null : round4(c.lo95), hi95: c.hi95 === null ? null : round4(c.hi95), atRisk: c.at_risk });
  }
  return survival;
}

/** The KPIs: each one's overall value, with its breakdowns under `by` (dimension -> key). */
async function readKpis(db: Kdb, runId: string): Promise<RunReport['kpis']> {
  const kpis: Record<string, unknown> = {};
  const kpiRows = await db.selectFrom('kpis').selectAll().where('run_id', '=', runId).orderBy('name').orderBy('dimension').orderBy('key').execute();
  for (const k of kpiRows) {
    const entry = { value: k.value, ...(k.detail as object) };
    if (k.dimension === 'all') kpis[k.name] = { ...(kpis[k.name] as object ?? {}), ...entry };
    else {
      const holder = ((kpis[k.name] ??= {}) as Record<string, any>);
      ((holder.by ??= {})[k.dimension] ??= {})[k.key] = entry;
    }
  }
  return kpis;
}

/** The contract scores summed up, and the five contracts of highest LTV P50. */
async function readScoresSummary(db: Kdb, runId: string): Promise<RunReport['contracts']> {
  const scores = await db.selectFrom('contract_scores')
    .select((eb) => [
      eb.fn.countAll<string>().as('n'),
      eb.fn.avg<string>('renewal_probability').as('p'),
      eb.fn.sum<string>('ltv_p50').as('ltv'),
      eb.fn.sum<string>('ltv_mean').as('ltvMean'),
      eb.fn.sum<string>(sql<number>`projected_arr * (1 - renewal_probability)`).as('atRisk'),
      eb.fn.sum<string>('projected_arr').as('arr'),
      eb.fn.max<string>('model_version_id').as('modelVersion'),
      sql<string>`count(*) filter (where ltv_p50 = ltv_p90)`.as('ties'),
    ])
    .where('run_id', '=', runId).executeTakeFirst();
  const top = await db.selectFrom('contract_scores').selectAll().where('run_id', '=', runId)
    .orderBy('ltv_p50', 'desc').orderBy('contract_id').limit(5).execute();
  const plan = await scorePlanOf(db, runId);
  return {
    scored: Number(scores?.n ?? 0),
    modelVersion: scores?.modelVersion ?? null,
    meanRenewalProbability: scores?.p != null ? round4(Number(scores.p)) : null,
    totalLtvMean: scores?.ltvMean != null ? round2(Number(scores.ltvMean)) : null,
    totalLtvP50: scores?.ltv != null ? round2(Number(scores.ltv)) : null,
    atRiskArr: scores?.atRisk != null ? round2(Number(scores.atRisk)) : null,
    totalProjectedArr: scores?.arr != null ? round2(Number(scores.arr)) : null,
    ltvP50EqualsP90: Number(scores?.ties ?? 0),
    top: top.map((t) => ({ contractId: t.contract_id, accountId: t.account_id, renewalProbability: round4(t.renewal_probability), ltvP50: round2(t.ltv_p50) })),
    ltvCard: plan ? ltvCard((plan.plan as ScorePlan).collections) : [],
  };
}

/** The monthly forecast per scenario and its totals per horizon. */
async function readForecasts(db: Kdb, runId: string): Promise<Pick<RunReport, 'forecast' | 'forecastTotals'>> {
  const forecast = await db.selectFrom('forecasts').selectAll().where('run_id', '=', runId).orderBy('scenario').orderBy('month').execute();
  const totals = await db.selectFrom('forecast_totals').selectAll().where('run_id', '=', runId).orderBy('scenario').orderBy('horizon_months').execute();
  return {
    forecast: forecast.map((f) => ({ scenario: f.scenario, month: f.month, mean: round2(f.mean), lo80: round2(f.lo80), hi80: round2(f.hi80), lo95: round2(f.lo95), hi95: round2(f.hi95) })),
    forecastTotals: totals.map((t) => ({ scenario: t.scenario, horizonMonths: t.horizon_months, spend: round2(t.spend_usd), mean: round2(t.mean),
      lo80: round2(t.lo80), hi80: round2(t.hi80), lo95: round2(t.lo95), hi95: round2(t.hi95) })),
  };
}

/** The backtest metrics per model version and role. */
async function readBacktest(db: Kdb, runId: string): Promise<RunReport['backtest']> {
  const backtest = await db.selectFrom('backtests').selectAll().where('run_id', '=', runId).orderBy('role').orderBy('metric').execute();
  return backtest.map((b) => ({ modelVersionId: b.model_version_id, role: b.role, metric: b.metric, value: b.value }));
}

/** The budget recommendation per channel: current, recommended, the change and what binds it. */
async function readBudget(db: Kdb, runId: string): Promise<RunReport['budget']> {
  const budgetRows = await db.selectFrom('budget_recommendations').selectAll().where('run_id', '=', runId).orderBy('channel').execute();
  return Object.fromEntries(budgetRows.map((b) => [b.channel, {
    ...(b.detail as object), current: round2(b.current), recommended: round2(b.recommended), change: round2(b.recommended - b.current), binding: b.binding,
  }]));
}

/** The model versions the run wrote, by family. */
function readModels(db: Kdb, runId: string) {
  return db.selectFrom('model_versions').select(['model_version_id', 'family', 'metrics']).where('run_id', '=', runId).orderBy('family').execute();
}

/** How far the run got: its outcome once ended, whether it was published and scored, and its stage events. */
async function readProgress(db: Kdb, runId: string): Promise<{ outcome: string | null; published: boolean; scored: boolean; stages: RunReport['stages'] }> {
  const outcome = await db.selectFrom('run_outcomes').selectAll().where('run_id', '=', runId).executeTakeFirst();
  const published = await db.selectFrom('publications').select('run_id').where('run_id', '=', runId).executeTakeFirst();
  const stageRows = await db.selectFrom('run_stage_events').select(['stage', 'status', 'at']).where('run_id', '=', runId).orderBy('id').execute();
  return {
    outcome: outcome?.status ?? null,
    published: !!published,
    scored: stageRows.some((s) => s.stage === 'score' && s.status === 'completed'),
    stages: stageRows.map((s) => ({ name: s.stage, status: s.status, at: s.at.toISOString() })),
  };
}

/** The attribution agreement the run used, from its attribution model version (none when the run wrote no model version). */
async function readAttributionPolicy(db: Kdb, runId: string, hasModels: boolean): Promise<RunReport['attributionPolicy']> {
  const attributionParams = hasModels
    ? (await db.selectFrom('model_versions').select('params').where('run_id', '=', runId).where('family', '=', 'attribution').executeTakeFirst())?.params as
      { reportedModel?: string; policy?: { version: string; sha256: string } } | undefined
    : undefined;
  return attributionParams?.policy
    ? { version: attributionParams.policy.version, sha256: attributionParams.policy.sha256, reportedModel: attributionParams.reportedModel ?? 'linear' } : null;
}

/** Open disputes (no resolution yet) of runs of this month and earlier, oldest first. */
async function readOpenDisputes(db: Kdb, month: string): Promise<RunReport['disputes']> {
  const openDisputes = await db.selectFrom('disputes').innerJoin('runs', 'runs.run_id', 'disputes.run_id')
    .leftJoin('dispute_resolutions', 'dispute_resolutions.dispute_id', 'disputes.id')
    .select(['disputes.id', 'disputes.run_id', 'runs.month', 'disputes.opportunity_id', 'disputes.reason', 'disputes.raised_by', 'disputes.raised_at',
      'disputes.model', 'disputes.policy_version', 'disputes.credit'])
    .where('runs.month', '<=', month).where('dispute_resolutions.id', 'is', null).orderBy('disputes.id').execute();
  return openDisputes.map((d) => ({
    id: d.id, runId: d.run_id, month: d.month, opportunityId: d.opportunity_id, reason: d.reason, raisedBy: d.raised_by, raisedAt: d.raised_at.toISOString(),
    model: d.model, policyVersion: d.policy_version, acv: round2(d.credit.acv),
    byChannel: Object.fromEntries(Object.entries(d.credit.byChannel as Record<string, { acv: number }>).map(([ch, c]) => [ch, round2(c.acv)])),
  }));
}

/** The backtest gate's verdict, what it asks sign-off for, and each reviewer's decision. */
async function readGovernance(db: Kdb, runId: string): Promise<Pick<RunReport, 'gate' | 'approvalRequest' | 'decisions'>> {
  const verdict = await db.selectFrom('gate_verdicts').selectAll().where('run_id', '=', runId).executeTakeFirst();
  const request = await db.selectFrom('approval_requests').selectAll().where('run_id', '=', runId).executeTakeFirst();
  const decisions = await db.selectFrom('approval_decisions').selectAll().where('run_id', '=', runId).orderBy('id').execute();
  return {
    gate: verdict ? { passed: verdict.passed, promote: verdict.promote as string[], families: verdict.families as any, checks: verdict.checks as unknown[] } : null,
    approvalRequest: request ? { requiredApprovers: request.required_approvers, budgetMoveShare: request.budget_move_share, signOff: request.sign_off,
      previousRunId: request.previous_run_id, changes: request.changes } : null,
    decisions: decisions.map((d) => ({ reviewer: d.reviewer, decision: d.decision, reason: d.reason, at: new Date(d.decided_at).toISOString() })),
  };
}

/** Drift of the drop against its reference: drifted sources and every feature's test (null when no source was compared). */
async function readDrift(db: Kdb, runId: string): Promise<RunReport['drift']> {
  const driftSources = await db.selectFrom('drift_sources').selectAll().where('run_id', '=', runId).orderBy('source').execute();
  const driftFeatures = await db.selectFrom('drift_features').selectAll().where('run_id', '=', runId).orderBy('source').orderBy('feature').execute();
  return driftSources.length ? {
    sources: driftSources.map((x) => ({ source: x.source, rows: x.rows, referenceRows: x.reference_rows, rowCountZ: x.row_count_z, rowAnomaly: x.row_anomaly,
      driftedShare: x.drifted_share, drifted: x.drifted })),
    features: driftFeatures.map((f) => ({ source: f.source, feature: f.feature, kind: f.kind, method: f.method, statistic: f.statistic, pValue: f.p_value,
      psi: f.psi, threshold: f.threshold, drifted: f.drifted, ...verdictOf(f.detail), referenceRunId: f.reference_run_id })),
  } : null;
}

/** Why the data cannot tell a channel's effect apart, every reason in words. */
export const identifiabilityWhy = (f: ChannelIdentifiability) => f.reasons.map((x) => x.message).join('; ');

/** The channels flagged as not identified, each with why (rows from before the flags count as identified: nothing is known against them). */
export function unidentifiedChannels(r: RunReport): { channel: string; why: string }[] {
  return Object.entries(r.incrementality).flatMap(([channel, i]) => (i.identifiability && !i.identifiability.identified
    ? [{ channel, why: identifiabilityWhy(i.identifiability) }] : []));
}

/** The lift tests that disagree with the model (flagged for review), each with why (none on a report built before calibration was kept). */
export const disagreeingTests = (r: Partial<Pick<RunReport, 'calibration'>>) => (r.calibration ?? []).filter((c) => c.verdict === 'disagrees');

const round2 = (n: number) => Math.round(n * 100) / 100;
const round4 = (n: number) => Math.round(n * 10000) / 10000;

/** A drift feature's verdict in words and what decided it (null for rows written before they were kept). */
function verdictOf(detail: unknown): { decidedBy: string[] | null; psiCounted: boolean | null; reason: string | null } {
  const d = detail as { decidedBy?: unknown; psiCounted?: unknown; reason?: unknown } | null;
  return {
    decidedBy: Array.isArray(d?.decidedBy) ? d.decidedBy as string[] : null,
    psiCounted: typeof d?.psiCounted === 'boolean' ? d.psiCounted : null,
    reason: typeof d?.reason === 'string' && Array.isArray(d?.decidedBy) ? d.reason : null,
  };
}

/** The lift tests' calibration the retrain stage kept in the incrementality version's metrics, money to cents and ratios to 4 decimals. */
function calibrationOf(metrics: unknown): LiftTestCalibration[] {
  const kept = (metrics as { calibration?: LiftTestCalibration[] } | null | undefined)?.calibration;
  if (!Array.isArray(kept)) return [];
  const acv = <T extends { p10: number; p90: number }>(x: T, key: keyof T) => ({ ...x, [key]: round2(x[key] as number), p10: round2(x.p10), p90: round2(x.p90) });
  const side = (s: LiftTestCalibration['before']) => ({ roi: round4(s.roi), p10: round4(s.p10), p90: round4(s.p90), testMonths: acv(s.testMonths, 'incrementalAcv') });
  return kept.map((c) => ({ ...c, test: acv(c.test, 'incrementalAcv'), before: side(c.before), after: side(c.after) }));
}

/** The 80% interval (P10–P90 of the bootstrap draws) the retrain stage kept for one quantity in an incrementality row's detail. */
function drawInterval(detail: unknown, key: 'roi' | 'mroi'): [number, number] | null {
  const q = (detail as Record<string, { p10?: unknown; p90?: unknown } | undefined> | null)?.[key];
  return q && typeof q.p10 === 'number' && typeof q.p90 === 'number' && Number.isFinite(q.p10) && Number.isFinite(q.p90) ? [round4(q.p10), round4(q.p90)] : null;
}

/**
 * A run's status from what Postgres holds: its outcome once it has ended;
 * `completed` once published; `awaiting_approval` once scored, while
 * undecided and sign-off is needed (a run of an earlier release has no
 * approval request and always needed it); otherwise `running`.
 */
export function runStatus(p: { outcome: string | null; published: boolean; scored: boolean; decided: boolean; requiredApprovers: number | null }): string {
  if (p.outcome) return p.outcome;
  if (p.published) return 'completed';
  return p.scored && !p.decided && (p.requiredApprovers === null || p.requiredApprovers > 0) ? 'awaiting_approval' : 'running';
}

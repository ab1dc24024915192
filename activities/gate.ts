import { DEFAULT_CONFIG, type AcvloopConfig } from '../config/schema';
import { spearman } from '../models/evaluation';
import { inLockedTransaction } from '../store/transaction';
import { ActivityDeps, withStage } from './context';
import { pgDataset } from '../lib/openlineage';
import { writeAudit } from '../store/audit-log';
import { gateVerdictOf, insertGateVerdict } from '../store/gate-verdicts';
import { FAMILIES, aliasTarget, modelVersionId, moveAlias, type Family } from '../store/model-registry';
import { registeredRun } from '../store/runs';
import { isOrgWide } from '../lib/run-scope';

export type GateThresholds = AcvloopConfig['gate'];

/** One line of the verdict; `passed: null` is a check that could not be made (the reason says why) and does not fail the gate. */
export interface GateCheck {
  family: Family;
  name: string;
  kind: 'absolute' | 'relative' | 'health';
  value: number | null;
  threshold: number | null;
  comparator: '<=' | '>=' | '==';
  passed: boolean | null;
  note?: string;
}

export interface FamilyVerdict { passed: boolean; version: string; reason: string }
export interface GateVerdict { passed: boolean; promote: Family[]; families: Record<Family, FamilyVerdict>; checks: GateCheck[] }

interface BacktestRow { model_version_id: string; role: 'challenger' | 'champion'; metric: string; value: number | null; detail: any }

const check = (c: Omit<GateCheck, 'passed'>): GateCheck => {
  if (c.value === null || c.threshold === null || !Number.isFinite(c.value)) {
    return { ...c, value: c.value !== null && !Number.isFinite(c.value) ? null : c.value, passed: c.kind === 'health' ? false : null };
  }
  const passed = c.comparator === '<=' ? c.value <= c.threshold : c.comparator === '>=' ? c.value >= c.threshold : c.value === c.threshold;
  return { ...c, passed };
};
const health = (family: Family, name: string, ok: boolean, note: string): GateCheck =>
  ({ family, name, kind: 'health', value: ok ? 1 : 0, threshold: 1, comparator: '==', passed: ok, note });

/**
 * The checks of a run's challengers: absolute thresholds on the backtest
 * metrics, the minimum relative improvement over the champion on the same
 * backtest, and health (a fit that did not converge, an interval that is NaN,
 * inverted or absurd, a survival curve out of [0, 1], credit that does not
 * add up). Pure over what the stages stored, so it is tested on its own.
 */
export function gateChecks(input: {
  thresholds: GateThresholds;
  backtests: BacktestRow[];
  versions: { family: string; params: any; metrics: any }[];
  /** `identified: false` when the fit could not tell the channel's effect apart (its interval is widened on purpose); absent for older rows. */
  incrementality: { channel: string; spend_usd: number; incremental_acv: number; low: number; high: number; roi: number | null; identified?: boolean | null }[];
  survival: { group_key: string; t_months: number; survival: number }[];
  attribution: { model: string; key: string; acv_usd: number }[];
  championAttribution: { key: string; acv_usd: number }[] | null;
}): GateCheck[] {
  const t = input.thresholds;
  const checks: GateCheck[] = [];
  const metric = (role: 'challenger' | 'champion', name: string) => input.backtests.find((b) => b.role === role && b.metric === name)?.value ?? null;
  const params = (family: string) => input.versions.find((v) => v.family === family)?.params;
  // A baseline is the floor a family falls back to, not a contender: against it the comparison is shown (passed: null)
  // unless the config makes it binding; against a fitted champion it always binds.
  const better = (family: Family, name: string, lowerIsBetter: boolean) => {
    const ch = metric('challenger', name);
    const champRow = input.backtests.find((b) => b.role === 'champion' && b.metric === name);
    const champ = champRow?.value ?? null;
    const threshold = champ === null ? null : lowerIsBetter ? champ * (1 - t.minRelativeImprovement) : champ * (1 + t.minRelativeImprovement);
    const c = check({ family, name: `${name}_vs_champion`, kind: 'relative', value: ch, threshold, comparator: lowerIsBetter ? '<=' : '>=',
      ...(champ === null ? { note: 'the champion could not be backtested on this history' }
        : { note: `champion ${champRow!.model_version_id} ${champ.toFixed(4)}${champRow!.detail?.outOfSample ? ', refit out of sample at each origin like the challenger' : ''}` }) });
    if (champRow?.model_version_id.startsWith('baseline/') && !t.relativeAgainstBaseline && c.passed !== null) {
      return { ...c, passed: null, note: `${c.note}; ${c.passed ? 'beats' : 'does not beat'} the baseline (informative: gate.relativeAgainstBaseline is off)` };
    }
    return c;
  };

  // Forecast and incrementality are one media-mix fit: the forecast backtest judges both.
  const mmm = params('incrementality');
  for (const family of ['incrementality', 'forecast'] as const) {
    if (mmm?.kind === 'unavailable') {
      checks.push({ family, name: 'model_available', kind: 'health', value: 0, threshold: 1, comparator: '==', passed: false, note: mmm.reason });
      continue;
    }
    checks.push(check({ family, name: 'forecast_mape', kind: 'absolute', value: metric('challenger', 'forecast_mape'), threshold: t.forecastMapeMax, comparator: '<=' }));
    checks.push(check({ family, name: 'forecast_coverage80', kind: 'absolute', value: metric('challenger', 'forecast_coverage80'), threshold: t.forecastCoverage80Min, comparator: '>=' }));
    checks.push(better(family, 'forecast_mape', true));
  }
  // Health of the media-mix fit binds both families it serves (incrementality, and the forecast made from it).
  if (mmm && mmm.kind !== 'unavailable') {
    const bad = input.incrementality.filter((r) => ![r.incremental_acv, r.low, r.high].every(Number.isFinite) || r.low > r.incremental_acv + 1e-6 * Math.abs(r.incremental_acv) + 1e-9
      || r.incremental_acv > r.high + 1e-6 * Math.abs(r.incremental_acv) + 1e-9);
    // A channel the data cannot separate has an upper end that is the whole group's effect by design: wide, not absurd.
    const widened = input.incrementality.filter((r) => r.identified === false).map((r) => r.channel);
    const absurd = input.incrementality.filter((r) => r.identified !== false && r.spend_usd > 0 && r.high / r.spend_usd > t.maxPlausibleRoi);
    const notJudged = widened.length ? `; not judged, not identified (interval widened on purpose): ${widened.join(', ')}` : '';
    for (const family of ['incrementality', 'forecast'] as const) {
      checks.push(health(family, 'residual_sd_finite', Number.isFinite(mmm.residualSd) && mmm.residualSd >= 0, `residual sd ${mmm.residualSd}`));
      checks.push(health(family, 'intervals_finite_and_ordered', bad.length === 0,
        bad.length ? `channels with a NaN or inverted interval: ${bad.map((r) => r.channel).join(', ')}` : `${input.incrementality.length} channels`));
      checks.push(health(family, 'roi_plausible', absurd.length === 0,
        (absurd.length ? `upper ROI above ${t.maxPlausibleRoi}: ${absurd.map((r) => `${r.channel} ${(r.high / r.spend_usd).toFixed(1)}`).join(', ')}` : `every upper ROI ≤ ${t.maxPlausibleRoi}`) + notJudged));
    }
  }

  const renewal = params('renewal');
  checks.push(check({ family: 'renewal', name: 'renewal_brier', kind: 'absolute', value: metric('challenger', 'renewal_brier'), threshold: t.renewalBrierMax, comparator: '<=' }));
  checks.push(check({ family: 'renewal', name: 'renewal_auc', kind: 'absolute', value: metric('challenger', 'renewal_auc'), threshold: t.renewalAucMin, comparator: '>=' }));
  checks.push(better('renewal', 'renewal_brier', true));
  if (renewal?.kind === 'logistic') {
    const finite = (renewal.coef as number[]).every(Number.isFinite);
    checks.push(health('renewal', 'fit_converged', renewal.converged !== false && finite, renewal.converged === false ? 'the logistic fit did not converge' : finite ? 'converged' : 'a coefficient is not finite'));
  } else if (renewal) {
    const ps = Object.values(renewal.bySegment ?? {}) as number[];
    checks.push(health('renewal', 'rates_in_unit_interval', ps.every((p) => p > 0 && p < 1), 'empirical renewal rates by segment'));
  }

  accountsChecks(checks, t, metric, better, params('accounts'));

  const groups = new Map<string, { t: number; s: number }[]>();
  for (const r of input.survival) (groups.get(r.group_key) ?? groups.set(r.group_key, []).get(r.group_key)!).push({ t: r.t_months, s: r.survival });
  const badCurves = [...groups].filter(([, pts]) => {
    pts.sort((a, b) => a.t - b.t);
    return pts.some((p, i) => !(p.s >= 0 && p.s <= 1) || (i > 0 && p.s > pts[i - 1].s + 1e-12));
  }).map(([g]) => g);
  checks.push(health('survival', 'curves_monotone_in_unit_interval', badCurves.length === 0, badCurves.length ? `bad curves: ${badCurves.join(', ')}` : `${groups.size} curves`));
  const survivalMetrics = input.versions.find((v) => v.family === 'survival')?.metrics;
  for (const fit of ['cox', 'sbg'] as const) {
    const f = survivalMetrics?.[fit];
    if (f) checks.push(health('survival', `${fit}_converged`, f.converged !== false, f.converged === false ? `the ${fit} fit did not converge` : 'converged'));
  }

  const attributionMetrics = input.versions.find((v) => v.family === 'attribution')?.metrics;
  const newAcv = attributionMetrics?.new?.acv as number | undefined;
  if (newAcv !== undefined) {
    const byModel = new Map<string, number>();
    for (const r of input.attribution) byModel.set(r.model, (byModel.get(r.model) ?? 0) + r.acv_usd);
    const off = [...byModel].filter(([, s]) => Math.abs(s - newAcv) > 1e-6 * Math.abs(newAcv) + 1);
    checks.push(health('attribution', 'credit_adds_up', off.length === 0,
      off.length ? `models whose channel credit does not sum to the new ACV: ${off.map(([m]) => m).join(', ')}` : `every model sums to ${Math.round(newAcv)}`));
  }
  // Stable over time: the reported model's channel ranks from one half-year to the next (mean Spearman).
  const stability = attributionMetrics?.stability;
  if (stability) {
    checks.push(check({ family: 'attribution', name: 'attribution_stability_over_time', kind: 'absolute', value: stability.mean ?? null,
      threshold: t.attributionStabilityMin, comparator: '>=',
      note: stability.mean === null ? 'too few deals per half-year to compare' : `mean Spearman of ${stability.model} channel credit over ${stability.pairs.filter((p: any) => p.spearman !== null).length} consecutive half-years (min ${Number(stability.min).toFixed(2)})` }));
  }
  if (input.championAttribution) {
    const now = new Map(input.attribution.filter((r) => r.model === 'linear').map((r) => [r.key, r.acv_usd]));
    const then = new Map(input.championAttribution.map((r) => [r.key, r.acv_usd]));
    const common = [...now.keys()].filter((k) => then.has(k)).sort();
    const rho = common.length >= 3 ? spearman(common.map((k) => now.get(k)!), common.map((k) => then.get(k)!)) : null;
    checks.push(check({ family: 'attribution', name: 'attribution_stability', kind: 'relative', value: rho, threshold: t.attributionStabilityMin, comparator: '>=',
      note: rho === null ? `only ${common.length} channels in common with the champion` : `Spearman of linear channel credit against the champion over ${common.length} channels` }));
  }
  return checks;
}

/**
 * Accounts: the win propensity's AUC and top-decile ACV lift on the time
 * split against the config's floors, the AUC no worse than the champion's,
 * and health (both logistic fits converged, every coefficient finite: a
 * stored NaN reads back as null).
 */
function accountsChecks(checks: GateCheck[], t: GateThresholds, metric: (role: 'challenger' | 'champion', name: string) => number | null,
  better: (family: Family, name: string, lowerIsBetter: boolean) => GateCheck, accounts: any): void {
  checks.push(check({ family: 'accounts', name: 'accounts_win_auc', kind: 'absolute', value: metric('challenger', 'accounts_win_auc'), threshold: t.accountsWinAucMin, comparator: '>=' }));
  checks.push(check({ family: 'accounts', name: 'accounts_top_decile_lift', kind: 'absolute', value: metric('challenger', 'accounts_top_decile_lift'),
    threshold: t.accountsTopDecileLiftMin, comparator: '>=', note: 'top tenth by expected new ACV: its share of the new ACV won after the cut over its share of the accounts' }));
  checks.push(better('accounts', 'accounts_win_auc', false));
  if (accounts?.kind !== 'accounts') return;
  for (const model of ['win', 'expansion'] as const) {
    const fit = accounts[model]?.fit;
    const finite = Array.isArray(fit?.coef) && (fit.coef as unknown[]).every((c) => typeof c === 'number' && Number.isFinite(c));
    const converged = fit?.converged !== false;
    checks.push(health('accounts', `${model}_fit_converged`, converged && finite,
      !converged ? `the ${model} logistic fit did not converge` : finite ? `converged, ${fit.coef.length} finite coefficients` : `a ${model} coefficient is not finite`));
  }
}

/** Families pass when every check that could be made passed and there is a model to promote. */
export function gateVerdict(runId: string, checks: GateCheck[], versions: { family: string; params: any }[]): GateVerdict {
  const families = {} as Record<Family, FamilyVerdict>;
  // A comparison shown but not binding (a baseline champion) still belongs in the reason a reviewer reads.
  const informative = (family: Family) => {
    const notes = checks.filter((c) => c.family === family && c.passed === null && c.note?.includes('does not beat')).map((c) => `${c.name}: ${c.note}`);
    return notes.length ? ` (not binding: ${notes.join('; ')})` : '';
  };
  for (const family of FAMILIES) {
    const version = modelVersionId(runId, family);
    const v = versions.find((x) => x.family === family);
    const failed = checks.filter((c) => c.family === family && c.passed === false);
    const reason = !v ? 'no version was trained'
      : v.params?.kind === 'unavailable' ? `nothing to promote: ${v.params.reason}`
        : failed.length ? failed.map((c) => `${c.name} ${c.value === null ? 'n/a' : +c.value.toFixed(4)} ${c.comparator === '<=' ? '>' : c.comparator === '>=' ? '<' : '≠'} ${c.threshold === null ? 'n/a' : +c.threshold.toFixed(4)}${c.note ? ` (${c.note})` : ''}`).join('; ')
          : `every check passed${informative(family)}`;
    families[family] = { passed: !!v && v.params?.kind !== 'unavailable' && failed.length === 0, version, reason };
  }
  const promote = FAMILIES.filter((f) => families[f].passed);
  return { passed: promote.length > 0, promote, families, checks };
}

/**
 * Gate: the run's challengers against the thresholds and the champions.
 * Every version the run trained becomes the `challenger` alias; only the
 * families that pass may later be promoted (at publish, after sign-off); a
 * family that fails is recorded with its reasons and keeps its champion,
 * which also serves this run's scores. Written once per run.
 */
export function gateActivity(deps: ActivityDeps) {
  return async function evaluateGate({ runId, thresholds }: { runId: string; thresholds?: GateThresholds }) {
    return withStage(deps, runId, 'gate', async () => {
      const { db } = deps.db;
      const t = { ...DEFAULT_CONFIG.gate, ...thresholds };
      const versions = await db.selectFrom('model_versions').select(['family', 'params', 'metrics']).where('run_id', '=', runId).execute();
      const backtests = await db.selectFrom('backtests').select(['model_version_id', 'role', 'metric', 'value', 'detail']).where('run_id', '=', runId).execute();
      const incrementality = (await db.selectFrom('incrementality').select(['channel', 'spend_usd', 'incremental_acv', 'low', 'high', 'roi', 'detail']).where('run_id', '=', runId).execute())
        .map(({ detail, ...r }) => ({ ...r, identified: (detail as { identifiability?: { identified?: boolean } } | null)?.identifiability?.identified ?? null }));
      const survival = await db.selectFrom('survival_curves').select(['group_key', 't_months', 'survival']).where('run_id', '=', runId).execute();
      const attribution = await db.selectFrom('attribution').select(['model', 'key', 'acv_usd'])
        .where('run_id', '=', runId).where('revenue', '=', 'new').where('dimension', '=', 'channel').execute();
      const champ = await aliasTarget(deps, 'attribution', 'champion');
      const championAttribution = champ && champ.run_id !== 'baseline'
        ? await db.selectFrom('attribution').select(['key', 'acv_usd']).where('run_id', '=', champ.run_id)
          .where('revenue', '=', 'new').where('dimension', '=', 'channel').where('model', '=', 'linear').execute()
        : null;
      const checks = gateChecks({ thresholds: t, backtests: backtests as BacktestRow[], versions, incrementality, survival, attribution, championAttribution });
      let verdict = gateVerdict(runId, checks, versions);

      await inLockedTransaction(deps, 'registry', async (client, tx) => {
        // Written once: a retry (or a re-run) answers with the verdict already on record.
        const done = await gateVerdictOf(tx, runId);
        if (done) {
          verdict = done;
          return;
        }
        await insertGateVerdict(tx, { run_id: runId, passed: verdict.passed, promote: JSON.stringify(verdict.promote), families: JSON.stringify(verdict.families),
          checks: JSON.stringify(verdict.checks), thresholds: JSON.stringify(t) });
        // A pilot's versions serve its own outputs (registry.ts servingVersion) but are never on offer organisation-wide.
        const pilot = !isOrgWide((await registeredRun(tx, runId)).scope);
        for (const family of pilot ? [] : FAMILIES) {
          const v = versions.find((x) => x.family === family);
          if (!v || (v.params as any)?.kind === 'unavailable') continue;
          await moveAlias(client, { family, alias: 'challenger', to: modelVersionId(runId, family), actor: 'acvloop', runId,
            reason: `retrained by ${runId}; gate ${verdict.families[family].passed ? 'passed' : `failed: ${verdict.families[family].reason}`}` });
        }
        await writeAudit(client, { actor: 'acvloop', action: verdict.passed ? 'gate.passed' : 'gate.failed', runId,
          after: { promote: verdict.promote, families: verdict.families },
          reason: verdict.passed ? `may promote: ${verdict.promote.join(', ')}` : 'no challenger passed the gate: nothing is promoted and no approval is asked for it',
          key: `gate:${runId}` });
      });
      const failed = FAMILIES.filter((f) => !verdict.families[f]?.passed);
      return {
        summary: { passed: verdict.passed, promote: verdict.promote.join(', ') || 'none', failed: failed.map((f) => `${f}: ${verdict.families[f]?.reason ?? 'no verdict'}`).join(' | ') || 'none' },
        inputs: ['backtests', 'model_versions', 'incrementality', 'survival_curves', 'attribution', 'model_alias_events'].map((x) => pgDataset(deps.db.schema, x)),
        outputs: ['gate_verdicts', 'model_alias_events', 'audit_log'].map((x) => pgDataset(deps.db.schema, x)),
      };
    });
  };
}

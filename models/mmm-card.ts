/**
 * The model card of an incrementality estimate: what the stored media-mix
 * fit assumes, in sentences a CFO reads (carry-over and saturation per
 * channel with the fitted numbers, the months it learned from, what pulls
 * its effects toward zero, where its ranges come from, what it cannot tell
 * apart), and how the forecast made from it did against its interval target.
 *
 * It reads the stored fit (`storeMmm`) field by field and says "not recorded"
 * instead of failing when an older fit lacks one, so every version in the
 * registry gets a card. A `priors` object (a later estimator may store one)
 * is printed as it stands: its `description` when it has one, else its
 * entries; an `options` object is read for the ridge the fit used.
 *
 * Pure: plain data in, text out.
 */
import { usd } from '../lib/format';
import { hillSaturation } from './adstock';
import type { ChannelIdentifiability } from './identifiability';
import { mmmIdentifiability } from './mmm';

/**
 * The ridge every fit used that does not record its own (`fitMmm`'s default:
 * the retrain stage never set it). tests/models/mmm-card.test.ts fails if that
 * default changes, so this sentence cannot go stale silently.
 */
export const UNRECORDED_RIDGE = 0.1;

/** How the forecast's backtest did: shares of scored months inside its intervals, and what they are held to. */
export interface ForecastCoverage {
  /** Share of backtested months whose actual fell inside the 80% / 95% interval; null when the backtest could not run. */
  coverage80: number | null;
  coverage95: number | null;
  /** The gate's floor for the 80% coverage (config gate.forecastCoverage80Min) when the run recorded it. */
  gateMin80: number | null;
  /** Months scored, origins refitted, months ahead per origin, when recorded. */
  points: number | null;
  origins: number | null;
  horizon: number | null;
  /** Why there is no backtest, when there is none. */
  reason?: string | null;
}

export interface ChannelCard {
  channel: string;
  /** false when the data cannot tell the channel's effect apart; null when the version does not say. */
  identified: boolean | null;
  text: string;
}

export interface IncrementalityCard {
  available: boolean;
  /** The card's general sentences, in reading order. */
  lines: string[];
  channels: ChannelCard[];
}

/** A stored fit as read back from JSON: any field may be missing in an older version, and newer ones may add some. */
type StoredLike = Record<string, any>;

const percent = (x: number) => `${Math.round(x * 100)}%`;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The target share of actuals inside an x% interval is x%. */
export const COVERAGE_TARGET = { p80: 0.8, p95: 0.95 } as const;

/**
 * The card of a stored incrementality fit (or of the record of a missing one).
 * `metrics` is the version's metrics (lift tests used, when recorded);
 * `coverage` the forecast backtest of the same fit.
 *
 * @example
 * const card = describeIncrementality(storeMmm(fit), { coverage: { coverage80: 0.71, coverage95: 0.9, gateMin80: 0.5, points: 24, origins: 8, horizon: 3 } });
 * card.channels[0].text; // "search: spend keeps acting after the month it is spent: about 30% of a month's effect carries into the next …"
 */
export function describeIncrementality(stored: unknown, context: { metrics?: unknown; coverage?: ForecastCoverage | null } = {}): IncrementalityCard {
  const fit = (stored && typeof stored === 'object' ? stored : {}) as StoredLike;
  const results: StoredLike[] = Array.isArray(fit.results) ? fit.results : [];
  const channelNames = [...new Set([...Object.keys(fit.transforms ?? {}), ...(Array.isArray(fit.channels) ? fit.channels : []),
    ...results.map((r) => r?.channel).filter((c) => typeof c === 'string')])].sort();
  if (fit.kind === 'unavailable' || (!channelNames.length && !Array.isArray(fit.months))) {
    const why = typeof fit.reason === 'string' ? fit.reason : 'the version holds no media-mix fit';
    return { available: false, lines: [`No incrementality estimate in this version: ${why}.`], channels: [] };
  }
  const metrics = (context.metrics && typeof context.metrics === 'object' ? context.metrics : {}) as StoredLike;
  const draws: unknown[] = Array.isArray(fit.draws) ? fit.draws : [];
  const lines = [
    'What it estimates: the new opportunities each channel\'s spend caused, valued in ACV, from how the monthly count rose and fell with that channel\'s spend (a media-mix regression).',
    monthsSentence(fit.months),
    baselineSentence(fit),
    ...priorSentences(fit),
    experimentSentence(metrics),
    rangesSentence(fit, draws),
    forecastSentence(fit, draws),
    ...(context.coverage ? [coverageSentence(context.coverage)] : []),
  ].filter((l): l is string => Boolean(l));
  const { flags, reassessed } = identifiabilityOf(fit);
  const channels = channelNames.map((c) => ({
    channel: c,
    identified: flags[c] ? flags[c].identified : null,
    text: channelSentence(c, fit, flags[c] ?? null, reassessed),
  }));
  return { available: true, lines, channels };
}

function monthsSentence(months: unknown): string {
  if (!Array.isArray(months) || !months.length) return 'The months it learned from are not recorded with this version.';
  return `Learned from ${plural(months.length, 'month')}, ${months[0]} to ${months[months.length - 1]}.`;
}

/** Fits stored before trend and seasonality were options always had both (as the backtest assumes). */
function baselineSentence(fit: StoredLike): string {
  const trend = fit.trend ?? true;
  const season = (fit.seasonality ?? 'month') === 'month';
  const parts = [trend ? 'rises or falls in a straight line over the months (a trend)' : 'holds one level (no trend)',
    season ? 'repeats the same month-of-year pattern every year (seasonality)' : 'has no month-of-year pattern'];
  return `It assumes the baseline, the opportunities that would come without any of this spend, ${parts.join(' and ')}.`;
}

/**
 * What pulls the effects toward a prior belief: a stored `priors` object as it
 * stands, else the ridge of today's estimator (recorded in `options`, or the
 * default every unrecorded fit used).
 */
function priorSentences(fit: StoredLike): string[] {
  if (fit.priors !== undefined && fit.priors !== null) return [`Priors: ${priorText(fit.priors)}.`];
  const options = (fit.options && typeof fit.options === 'object' ? fit.options : {}) as StoredLike;
  const recorded = isNum(options.ridge);
  const ridge = recorded ? options.ridge : UNRECORDED_RIDGE;
  const out = [
    'It assumes no channel can reduce demand: each effect is zero or positive.',
    `Priors: a ridge penalty of ${ridge} pulls every channel's effect toward zero (the prior belief is that a channel causes nothing until its spend history shows otherwise); where a channel's spend moved independently of everything else in the model, its estimate is roughly ${percent(ridge / (1 + ridge))} smaller than the data alone would say (shrunk by 1 / (1 + ${ridge}))${
      recorded ? '' : `; this version does not record its penalty, and every fit that does not record it used ${UNRECORDED_RIDGE}`}.`,
  ];
  if (isNum(options.seasonRidge)) out.push(`Month-of-year effects are pulled toward zero with a penalty of ${options.seasonRidge}.`);
  out.push(...touchBeliefSentences(fit));
  return out;
}

/**
 * The beliefs about touches a fit averaged over (`touchPriors`, mmm/index.ts), and
 * whether its draws valued an opportunity with its own uncertainty: absent in
 * fits stored before either existed, so nothing is said for them.
 */
function touchBeliefSentences(fit: StoredLike): string[] {
  const out: string[] = [];
  const beliefs = Array.isArray(fit.touchPriors) ? fit.touchPriors.filter(isNum) : [];
  if (beliefs.length > 1) {
    const middle = beliefs[Math.floor((beliefs.length - 1) / 2)];
    out.push(`How much an opportunity that carries a channel's touch says the channel caused it cannot be learned from these data, so the estimate averages ${beliefs.length} beliefs: ` +
      `a touch counts as weak evidence of cause (the journey level penalised ${beliefs.map((b) => `${b}×`).join(', ')} the ridge); ` +
      `the figures are those of the middle belief (${middle}×) and the ranges hold what the beliefs disagree on, each belief's refits centred on its own estimate.`);
  }
  const draws: StoredLike[] = Array.isArray(fit.draws) ? fit.draws : [];
  if (draws.some((d) => d && typeof d.unitValue === 'object' && d.unitValue !== null)) {
    out.push('What an opportunity a channel caused is worth is itself a mean over a few hundred deals of very different sizes: every refit draws its own value from that mean\'s standard error, so the ranges carry it.');
  }
  return out;
}

/** A priors object of unknown shape, in words: its description, else its entries one level deep. */
function priorText(priors: unknown): string {
  if (typeof priors === 'string') return priors;
  if (typeof priors !== 'object' || priors === null) return String(priors);
  const p = priors as StoredLike;
  if (typeof p.description === 'string') return p.description;
  const value = (v: unknown): string => (v === null || typeof v !== 'object' ? String(v)
    : Array.isArray(v) ? `[${v.map(value).join(', ')}]`
      : `{ ${Object.entries(v).map(([k, x]) => `${k} ${typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x)}`).join(', ')} }`);
  const entries = Object.entries(p);
  return entries.length ? entries.map(([k, v]) => `${k} ${value(v)}`).join('; ') : 'recorded, but empty';
}

function experimentSentence(metrics: StoredLike): string | null {
  const e = metrics.experiments;
  if (!e || typeof e !== 'object' || !isNum(e.used)) return null;
  const ignored = isNum(e.ignored) && e.ignored > 0 ? ` (${plural(e.ignored, 'other test')} fell outside its months or on a channel without spend there)` : '';
  if (!(e.used > 0)) return `No lift test calibrated it: every effect comes from the spend history alone${ignored}.`;
  // A test that disagreed with the model fitted without tests decided its channel's estimate (mmm-calibration.ts `fitWithLiftTests`).
  const decided = (Array.isArray(metrics.calibration) ? metrics.calibration : []).filter((c: StoredLike) => c?.verdict === 'disagrees')
    .map((c: StoredLike) => `${c.channel} (${c.test?.start}..${c.test?.end})`);
  return `Calibrated with ${plural(e.used, 'lift test')} from experiments.csv: a test's measured incremental ACV pins its channel's effect as tightly as the test's standard error allows${ignored}.` +
    (decided.length ? ` ${decided.length === 1 ? 'The test on' : 'The tests on'} ${decided.join(', ')} disagreed with the spend history beyond both 80% intervals, ` +
      `so ${decided.length === 1 ? 'it' : 'each'} decided the channel's estimate instead of being averaged with the data: check the test and the channel's data.` : '');
}

function rangesSentence(fit: StoredLike, draws: unknown[]): string {
  if (!draws.length) return 'No ranges: this version was fitted without a bootstrap, so each estimate is a single number.';
  const rechosen = draws.some((d) => d && typeof d === 'object' && (d as StoredLike).transforms);
  return `Its ranges come from ${plural(draws.length, 'refit')} on the history resampled in blocks of consecutive months (a bootstrap)${
    rechosen ? ', each choosing the carry-over and flattening again' : ', each keeping the carry-over and flattening of the estimate'
  }; an 80% range is the middle 80% of the refits, centred on the estimate.${fit.results?.some((r: StoredLike) => r?.identifiability?.identified === false)
    ? ' A channel the data cannot tell apart gets a wider range on purpose (below).' : ''}`;
}

function forecastSentence(fit: StoredLike, draws: unknown[]): string {
  const noise = isNum(fit.residualSd) ? ` (about ±${fit.residualSd.toFixed(1)} opportunities a month, one standard deviation)` : '';
  return draws.length
    ? `The forecast made from this estimate uses the same ${plural(draws.length, 'refit')}, and adds month-to-month noise drawn from the months the model missed${noise}.`
    : `The forecast made from this estimate has only month-to-month noise drawn from the months the model missed${noise}, no refits.`;
}

/**
 * The forecast backtest beside its target: an x% interval should hold x% of
 * actual months. "Within sampling error" is ±2 binomial standard errors of
 * the target at the months scored (months of one origin overlap, so this is
 * lenient rather than strict).
 *
 * @example
 * coverageSentence({ coverage80: 0.75, coverage95: 0.9, gateMin80: 0.5, points: 40, origins: 14, horizon: 3 });
 * // "Forecast backtest: refitted at each of 14 origins on the months before it … the 80% range held 75% of actual months — target 80% …"
 */
export function coverageSentence(c: ForecastCoverage): string {
  if (c.coverage80 === null) return `Forecast backtest: none for this version${c.reason ? ` (${c.reason})` : ''}, so how often its ranges hold the actual month is not known.`;
  const how = isNum(c.origins) && isNum(c.horizon)
    ? `refitted at each of ${plural(c.origins, 'origin')} on the months before it and forecasting the next ${plural(c.horizon, 'month')}${isNum(c.points) ? ` (${plural(c.points, 'month')} scored)` : ''}, `
    : '';
  const verdict = (share: number, target: number) => {
    if (!isNum(c.points) || c.points < 1) return '';
    const se = Math.sqrt((target * (1 - target)) / c.points);
    return share < target - 2 * se ? ': below target, the ranges are narrower than the misses'
      : share > target + 2 * se ? ': above target, the ranges are wider than they need to be' : ': within sampling error of the target';
  };
  const gate = isNum(c.gateMin80) ? `; the gate asks at least ${percent(c.gateMin80)}` : '';
  const p95 = isNum(c.coverage95) ? `; the 95% range held ${percent(c.coverage95)}, target 95%${verdict(c.coverage95, COVERAGE_TARGET.p95)}` : '';
  return `Forecast backtest: ${how}the 80% range held ${percent(c.coverage80)} of actual months, target 80%${gate}${verdict(c.coverage80, COVERAGE_TARGET.p80)}${p95}.`;
}

/**
 * The flags per channel as the budget reads them (`mmmIdentifiability`): as
 * the fit recorded them, or assessed again from its spend and decays for a
 * fit stored before the flags existed (`reassessed`); none when it has
 * neither.
 */
function identifiabilityOf(fit: StoredLike): { flags: Record<string, ChannelIdentifiability>; reassessed: boolean } {
  const results = Array.isArray(fit.results) ? fit.results : [];
  const recorded = results.every((r: StoredLike) => r?.identifiability) && results.length > 0;
  const spendOk = fit.spend && typeof fit.spend === 'object' && fit.transforms && Object.keys(fit.transforms).every((c) => Array.isArray(fit.spend[c]) && isNum(fit.transforms[c]?.decay));
  if (!recorded && spendOk && Object.keys(fit.transforms).length) {
    return { flags: mmmIdentifiability({ results, spend: fit.spend, transforms: fit.transforms }), reassessed: true };
  }
  const flags: Record<string, ChannelIdentifiability> = {};
  for (const r of results) if (r?.channel && r.identifiability) flags[r.channel] = r.identifiability;
  return { flags, reassessed: false };
}

function channelSentence(c: string, fit: StoredLike, flag: ChannelIdentifiability | null, reassessed: boolean): string {
  const t = (fit.transforms?.[c] ?? {}) as StoredLike;
  const parts: string[] = [];
  if (isNum(t.decay)) {
    parts.push(t.decay > 0
      ? `spend keeps acting after the month it is spent: about ${percent(t.decay)} of a month's effect carries into the next, ${percent(t.decay ** 2)} into the one after (geometric adstock, decay ${t.decay.toFixed(2)})`
      : 'spend acts only in the month it is spent: nothing carries into the next (geometric adstock, decay 0)');
  } else parts.push('how long its spend keeps acting is not recorded with this version');
  if (isNum(t.halfSaturation)) {
    const steady = isNum(t.decay) && t.decay < 1 ? t.halfSaturation * (1 - t.decay) : null;
    const shape = isNum(t.shape) ? `, shape ${t.shape}${t.shape > 1 ? ': slow at first, then faster, then flattening' : t.shape === 1 ? ': flattening from the first dollar' : ''}` : '';
    parts.push(`the effect flattens as spend grows: half of the most it can do at ${usd(t.halfSaturation)} of accumulated spend${
      steady !== null && t.decay > 0 ? `, which a steady ${usd(steady)} a month builds up to` : ' a month'} (Hill curve${shape})`);
    const spend: unknown = fit.spend?.[c];
    if (Array.isArray(spend) && spend.length && isNum(t.decay) && t.decay < 1) {
      const mean = spend.reduce((s: number, x: number) => s + x, 0) / spend.length;
      parts.push(`at its average monthly spend in the window (${usd(mean)}) it was getting about ${percent(hillSaturation(mean / (1 - t.decay), t.halfSaturation, isNum(t.shape) ? t.shape : 1))} of the most it can do`);
    }
  } else parts.push('how its effect flattens as spend grows is not recorded with this version');
  const r = (Array.isArray(fit.results) ? fit.results : []).find((x: StoredLike) => x?.channel === c) as StoredLike | undefined;
  if (r && isNum(r.spend) && isNum(r.incrementalAcv)) {
    const q = r.incrementalAcvQuantiles;
    const range = q && isNum(q.p10) && isNum(q.p90) && (q.p10 !== q.p90 || q.p10 !== r.incrementalAcv) ? ` (80% range ${usd(q.p10)} – ${usd(q.p90)})` : '';
    parts.push(`over the window it spent ${usd(r.spend)} and caused an estimated ${usd(r.incrementalAcv)} of new ACV${range}${isNum(r.roi) ? `, $${r.roi.toFixed(2)} per dollar` : ''}`);
  }
  const unit = fit.unitValue?.[c];
  if (isNum(unit) && unit !== 1) parts.push(`each opportunity it causes counts as ${usd(unit)} of ACV (the won ACV per opportunity its touches were near)`);
  const prior = fit.priors && typeof fit.priors === 'object' ? (fit.priors as StoredLike)[c] : undefined;
  if (prior !== undefined) parts.push(`its prior: ${priorText(prior)}`);
  const sentence = `${c}: ${parts.join('; ')}.`;
  if (!flag) return `${sentence} Whether the data can tell its effect apart is not recorded with this version.`;
  const again = reassessed ? ' (assessed again from its spend with today\'s default thresholds: this version did not record it)' : '';
  if (flag.identified) return `${sentence} The data can tell its effect apart from the other channels' and the baseline's${again}.`;
  const why = flag.reasons.map((x) => x.message).join('; ');
  return `${sentence} Not identified${again}: ${why}. The data cannot tell its effect apart, so its range is widened instead of showing an arbitrary split, and the budget holds it near its current spend.`;
}

/**
 * The report's charts: Vega-Lite specifications rendered to SVG here, on the
 * server, so a saved report looks the same in every browser and in print,
 * and needs no script or network to open. Each builder takes numbers read
 * from Postgres (the run's read model) and only lays them out.
 */
import type { AccountsLift } from '../queries/accounts';
import type { RunReport } from '../queries/run-report';
import { pct, usd } from '../lib/format';

type Spec = Record<string, unknown>;

// vega and vega-lite are ES modules (with top-level await); this CommonJS code loads them on first use.
let engine: Promise<{ vega: typeof import('vega'); compile: typeof import('vega-lite').compile }> | undefined;
const load = () => (engine ??= (async () => ({ vega: await import('vega'), compile: (await import('vega-lite')).compile }))());

/** A Vega-Lite spec as an SVG string (no renderer: vega's own SVG string output). */
export async function renderSvg(spec: Spec): Promise<string> {
  const { vega, compile } = await load();
  const compiled = compile({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, ...spec } as any).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const CONFIG = {
  font: 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 11 },
  legend: { labelFontSize: 11, titleFontSize: 11 },
  view: { stroke: null },
};
const usdFormat = '$,.0f';

/** New ACV credited per channel by every model, side by side. */
export function attributionChart(r: RunReport): Spec | null {
  const values = Object.entries(r.attribution).flatMap(([model, byChannel]) =>
    Object.entries(byChannel).map(([channel, acv]) => ({ model, channel, acv })));
  if (!values.length) return null;
  return {
    title: 'New ACV credited per channel, by attribution model',
    data: { values }, width: 560, height: 240,
    mark: 'bar',
    encoding: {
      x: { field: 'channel', type: 'nominal', title: null, axis: { labelAngle: -30 } },
      xOffset: { field: 'model', type: 'nominal' },
      y: { field: 'acv', type: 'quantitative', title: 'credited ACV (USD)', axis: { format: usdFormat } },
      color: { field: 'model', type: 'nominal', title: 'model' },
      tooltip: [{ field: 'model' }, { field: 'channel' }, { field: 'acv', format: usdFormat }],
    },
  };
}

/** What the spend caused (media-mix incremental ACV with its interval) beside what the reported model credits. */
export function incrementalityChart(r: RunReport, reportedModel: string): Spec | null {
  const rows = Object.entries(r.incrementality);
  if (!rows.length) return null;
  const values = rows.flatMap(([channel, i]) => [
    { channel, kind: 'caused (media-mix)', acv: i.incrementalAcv, low: i.low, high: i.high },
    { channel, kind: `credited (${reportedModel})`, acv: i.attributedAcv[reportedModel] ?? 0, low: null, high: null },
  ]);
  return {
    title: 'Incremental ACV the spend caused (80% interval) beside attributed credit',
    data: { values }, width: 560, height: 240,
    encoding: { x: { field: 'channel', type: 'nominal', title: null, axis: { labelAngle: -30 } }, xOffset: { field: 'kind', type: 'nominal' } },
    layer: [
      { mark: 'bar', encoding: { y: { field: 'acv', type: 'quantitative', title: 'ACV (USD)', axis: { format: usdFormat } },
        color: { field: 'kind', type: 'nominal', title: null } } },
      { mark: { type: 'rule', strokeWidth: 1.5 }, transform: [{ filter: 'datum.low != null' }],
        encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color: { value: '#222' } } },
    ],
  };
}

/** The KPI by segment or region, coloured by its band. */
export function kpiChart(r: RunReport, name: string, dimension: 'segment' | 'region'): Spec | null {
  const kpi = r.kpis[name] as { by?: Record<string, Record<string, { value: number | null; band?: string }>> } | undefined;
  const by = kpi?.by?.[dimension];
  if (!by) return null;
  const values = Object.entries(by).filter(([, v]) => v.value !== null).map(([key, v]) => ({ key, value: v.value, band: v.band ?? '—' }));
  if (!values.length) return null;
  return {
    title: `ACV per marketing lead by ${dimension}`,
    data: { values }, width: 260, height: 160,
    mark: 'bar',
    encoding: {
      y: { field: 'key', type: 'nominal', title: null, sort: '-x' },
      x: { field: 'value', type: 'quantitative', title: 'USD per lead', axis: { format: usdFormat } },
      color: { field: 'band', type: 'nominal', title: 'band', scale: { domain: ['strong', 'moderate', 'underperforming'], range: ['#2e7d32', '#f9a825', '#c62828'] } },
    },
  };
}

/** The forecast of new ACV per month as a fan: 95% and 80% bands and the expected path, one panel per spend scenario. */
export function forecastChart(r: RunReport): Spec | null {
  if (!r.forecast.length) return null;
  return {
    title: 'Forecast of new ACV per month, by spend scenario (80% and 95% bands)',
    data: { values: r.forecast },
    facet: { column: { field: 'scenario', type: 'nominal', title: null } },
    spec: {
      width: 260, height: 180,
      encoding: { x: { field: 'month', type: 'ordinal', title: null, axis: { labelAngle: -45 } } },
      layer: [
        { mark: { type: 'area', opacity: 0.2, color: '#1565c0' }, encoding: { y: { field: 'lo95', type: 'quantitative', title: 'new ACV (USD)', axis: { format: usdFormat } }, y2: { field: 'hi95' } } },
        { mark: { type: 'area', opacity: 0.35, color: '#1565c0' }, encoding: { y: { field: 'lo80', type: 'quantitative' }, y2: { field: 'hi80' } } },
        { mark: { type: 'line', color: '#0d47a1', point: true }, encoding: { y: { field: 'mean', type: 'quantitative' } } },
      ],
    },
  };
}

/** Kaplan–Meier survival by segment with its 95% band (step curves). */
export function survivalChart(r: RunReport): Spec | null {
  const values = Object.entries(r.renewals.survival).filter(([g]) => g !== 'all').flatMap(([segment, pts]) =>
    pts.map((p) => ({ segment, t: p.t, survival: p.survival, lo: p.lo95 ?? p.survival, hi: p.hi95 ?? p.survival })));
  if (!values.length) return null;
  return {
    title: 'Customer survival by segment (Kaplan–Meier, 95% band)',
    data: { values }, width: 560, height: 220,
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'months since first contract' },
      color: { field: 'segment', type: 'nominal' },
    },
    layer: [
      { mark: { type: 'area', opacity: 0.15, interpolate: 'step-after' }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      { mark: { type: 'line', interpolate: 'step-after' }, encoding: { y: { field: 'survival', type: 'quantitative', title: 'share still a customer', scale: { domain: [0, 1] }, axis: { format: '%' } } } },
    ],
  };
}

/**
 * How the active contracts' LTV (P50) is spread: a histogram on a linear
 * axis of dollars, read without decoding logarithms. LTV has a long right
 * tail (a few very large accounts), which on a linear axis would squeeze
 * every other contract into the first bar; the axis therefore ends at the
 * 95th percentile, and the subtitle says how many contracts lie beyond it
 * and how large the largest is, so nothing is silently left out.
 */
export function ltvChart(ltvP50: readonly number[]): Spec | null {
  const values = ltvP50.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
  if (!values.length) return null;
  const cutoff = values[Math.min(values.length - 1, Math.ceil(LTV_AXIS_QUANTILE * values.length) - 1)];
  const shown = values.filter((v) => v <= cutoff);
  const beyond = values.length - shown.length;
  const largest = values[values.length - 1];
  return {
    title: {
      text: 'LTV (P50) of active contracts',
      subtitle: beyond
        ? `${beyond} of ${values.length} contracts lie beyond the axis's end at ${usd(cutoff)} (the 95th percentile); the largest is ${usd(largest)}`
        : `All ${values.length} contracts`,
    },
    data: { values: shown.map((ltv) => ({ ltv })) }, width: 560, height: 180,
    mark: 'bar',
    encoding: {
      x: { field: 'ltv', type: 'quantitative', bin: { maxbins: 30, extent: [0, cutoff] }, title: 'LTV P50 (USD)', scale: { type: 'linear' }, axis: { format: usdFormat, labelOverlap: true } },
      y: { aggregate: 'count', type: 'quantitative', title: 'contracts' },
    },
  };
}

// The axis's end: enough of the spread to show its shape, the tail named in words (see ltvChart).
const LTV_AXIS_QUANTILE = 0.95;

/**
 * Each channel's ROI (incremental ACV per dollar of spend) as a dot on its
 * 80% interval, against the break-even line at 1; the colour repeats the
 * standing the summary's table writes in words.
 */
export function roiChart(rows: readonly { channel: string; roi: number; low: number | null; high: number | null; standing: string }[]): Spec | null {
  const values = rows.filter((r) => Number.isFinite(r.roi)).map((r) => ({ ...r, low: r.low ?? r.roi, high: r.high ?? r.roi }));
  if (!values.length) return null;
  const y = { field: 'channel', type: 'nominal', title: null, sort: null };
  const color = { field: 'standing', type: 'nominal', title: 'against break-even',
    scale: { domain: ['above break-even', 'below break-even', 'cannot tell'], range: ['#2e7d32', '#c62828', '#5f6368'] } };
  return {
    title: 'ROI per channel with its 80% interval; 1 = break-even',
    data: { values }, width: 380, height: Math.max(80, 22 * values.length),
    layer: [
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, x: { field: 'low', type: 'quantitative', title: 'incremental ACV per $1 of spend', scale: { zero: true } }, x2: { field: 'high' }, color } },
      { mark: { type: 'point', filled: true, size: 60, opacity: 1 }, encoding: { y, x: { field: 'roi', type: 'quantitative' }, color } },
      { data: { values: [{ one: 1 }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#1a1a1a' }, encoding: { x: { field: 'one', type: 'quantitative' } } },
    ],
  };
}

/** Current against recommended spend per channel; the channels held by a guardrail are marked. */
export function budgetChart(r: RunReport): Spec | null {
  const lines = Object.entries(r.budget);
  if (!lines.length) return null;
  const values = lines.flatMap(([channel, b]) => [
    { channel, kind: 'current', usd: b.current, binding: b.binding },
    { channel, kind: 'recommended', usd: b.recommended, binding: b.binding },
  ]);
  return {
    title: 'Monthly spend: current and recommended (outlined: held by a guardrail)',
    data: { values }, width: 560, height: 220,
    mark: { type: 'bar', strokeWidth: 2 },
    encoding: {
      x: { field: 'channel', type: 'nominal', title: null, axis: { labelAngle: -30 } },
      xOffset: { field: 'kind', type: 'nominal' },
      y: { field: 'usd', type: 'quantitative', title: 'USD per month', axis: { format: usdFormat } },
      color: { field: 'kind', type: 'nominal', title: null, scale: { range: ['#90a4ae', '#1565c0'] } },
      stroke: { condition: { test: "datum.binding != 'total' && datum.kind == 'recommended'", value: '#c62828' }, value: null },
    },
  };
}

/** How a contender reads in the lift chart's legend and bar labels. */
export const liftVersionLabel = (l: Pick<AccountsLift, 'modelVersionId' | 'role' | 'serving'>) =>
  `${l.modelVersionId} (${l.role}${l.serving ? ', serving' : ''})`;

/**
 * The accounts' lift chart from the run's backtest: each tenth of accounts,
 * ranked by expected new ACV at the cut, and its share of the new ACV won
 * after it, against the 10% every tenth would hold with no skill. The
 * serving version's bars come first, the other contender's beside them.
 */
export function accountsLiftChart(lifts: readonly AccountsLift[]): Spec | null {
  const drawn = lifts.filter((l) => l.acvShareByDecile !== null);
  if (!drawn.length) return null;
  // Each bar says what it is in words (its aria-label), for a screen reader and for a reader of the SVG's text.
  const values = drawn.flatMap((l) => l.acvShareByDecile!.map((share, i) => ({ tenth: i + 1, share, version: liftVersionLabel(l),
    description: `${liftVersionLabel(l)}: tenth ${i + 1} held ${pct(share)} of the new ACV won after the cut` })));
  const first = drawn[0];
  const judged = first.cut && first.judgedTo ? `; cut ${first.cut}, judged to ${first.judgedTo}` : '';
  return {
    title: {
      // Without a canvas vega over-measures text: a limit keeps the title (and so the figure) within the page.
      text: 'Backtest: the new ACV won after the cut, by tenth of accounts ranked at the cut', anchor: 'start', limit: 560, subtitleFontSize: 11,
      subtitle: `Top tenth by ${first.modelVersionId}: ${pct(first.acvShareByDecile![0])} of it` +
        `${first.lift !== null ? ` (lift ${first.lift.toFixed(2)}×)` : ''}; no skill: 10% each${judged}`,
    },
    width: 560, height: 220,
    layer: [
      { data: { values }, mark: 'bar', encoding: {
        x: { field: 'tenth', type: 'ordinal', title: 'tenth of accounts (1 = highest expected new ACV)', axis: { labelAngle: 0 } },
        xOffset: { field: 'version', type: 'nominal', sort: null },
        y: { field: 'share', type: 'quantitative', title: 'share of new ACV won', axis: { format: '.0%' } },
        color: { field: 'version', type: 'nominal', title: null, sort: null, scale: { range: ['#1565c0', '#90a4ae'] },
          legend: { orient: 'bottom', direction: 'vertical', labelLimit: 480 } },
        description: { field: 'description' },
      } },
      { data: { values: [{ noSkill: 0.1, text: 'no skill (10%)' }] }, layer: [
        { mark: { type: 'rule', strokeDash: [4, 3], color: '#1a1a1a' }, encoding: { y: { field: 'noSkill', type: 'quantitative' } } },
        { mark: { type: 'text', align: 'right', dy: -6, x: 'width', color: '#1a1a1a' }, encoding: { y: { field: 'noSkill', type: 'quantitative' }, text: { field: 'text' } } },
      ] },
    ],
  };
}

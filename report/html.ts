/**
 * The reviewer's report of one run: a self-contained HTML page (inline CSS,
 * charts as inline SVG, no script, nothing fetched), so it opens offline and
 * prints cleanly. Every number comes from Postgres through the run's read
 * model; the page only formats it.
 */
import type { Db } from '../sql/db';
import { pct, pValue, usd } from '../lib/format';
import { bandText, historyText, type LeadKpi } from '../queries/kpi-summary';
import { identifiabilityWhy, readRun, type RunReport } from '../queries/run-report';
import { shortJobName, type LineageRunEvent } from '../governance/lineage-trace';
import { esc } from './escape';
import { table } from './table';
import { decisionSummary } from './summary';
import { summarySection } from './summary-section';
import { experimentPlanHtml, liftTestCalibrationHtml } from './experiment-section';
import { modelCardHtml } from './model-card-section';
import { accountsSectionHtml } from './accounts-section';
import { financeSectionHtml } from './finance-section';
import { pilotSectionHtml } from './pilot-section';
import { lineageDrawing, lineageLabel, lineageReads, MAX_CROSSINGS_PER_ARROW } from './lineage-graph';
import { attributionChart, budgetChart, forecastChart, incrementalityChart, kpiChart, ltvChart, renderSvg, survivalChart } from './charts';

/** "yes", or "no: " and every reason (a widened interval beside it says the same in numbers); "—" for rows from before the flags. */
const identifiedCell = (f: RunReport['incrementality'][string]['identifiability']) =>
  (!f ? '—' : f.identified ? 'yes' : `no: ${identifiabilityWhy(f)}`);
const num = (n: number | null | undefined, digits = 3) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));

const section = (id: string, title: string, body: string) => `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`;
const figure = (svg: string | null) => (svg ? `<figure class="chart">${svg}</figure>` : '<p class="empty">No data for this chart in this run.</p>');

/** Extra rows the read model does not carry: the quarantine itself, every contract's LTV, the contracts most at risk, lineage. */
async function readExtras(handle: Db, runId: string) {
  const { db } = handle;
  const batch = await db.selectFrom('run_batches').select('batch_id').where('run_id', '=', runId).executeTakeFirst();
  const quarantine = batch
    ? await db.selectFrom('quarantine').select(['file', 'line', 'column_name', 'rule', 'value', 'message']).where('batch_id', '=', batch.batch_id)
      .orderBy('file').orderBy('rule').orderBy('line').execute()
    : [];
  const ltv = (await db.selectFrom('contract_scores').select('ltv_p50').where('run_id', '=', runId).execute()).map((r) => r.ltv_p50);
  const atRisk = await db.selectFrom('contract_scores')
    .select(['contract_id', 'account_id', 'renewal_probability', 'projected_arr', 'ltv_p50', 'next_renewal_date'])
    .where('run_id', '=', runId).orderBy((eb) => eb.parens(eb('projected_arr', '*', eb.parens(eb.val(1), '-', eb.ref('renewal_probability')) as any)), 'desc')
    .orderBy('contract_id').limit(10).execute();
  const lineage = await db.selectFrom('lineage_events').select('event').where('run_id', '=', runId).where('event_type', '=', 'COMPLETE').orderBy('id').execute();
  return { quarantine, ltv, atRisk, lineage };
}

type Extras = Awaited<ReturnType<typeof readExtras>>;
type ReportOptions = { generatedAt?: string; decision?: (r: RunReport) => string; banner?: string };

/** The page of one run, as one HTML string. */
export async function buildRunReport(handle: Db, runId: string, opts: ReportOptions = {}): Promise<string> {
  const r = await readRun(handle, runId);
  const x = await readExtras(handle, runId);
  const reported = r.attributionPolicy?.reportedModel ?? 'linear';
  const liftTests = await experimentPlanHtml(handle, runId);
  const modelCard = await modelCardHtml(handle, runId);
  const accounts = await accountsSectionHtml(handle, runId);
  const finance = await financeSectionHtml(r.finance);
  const svg = await renderCharts(r, x, reported);

  // The decision first: a reader meets what is asked before the detail that backs it.
  const summary = await summarySection(decisionSummary(r));
  const body = [
    summary,
    // A pilot says so before anything else it shows, with the organisation-wide run beside it.
    ...(r.pilot ? [section('pilot', 'Pilot run', pilotSectionHtml(r.pilot))] : []),
    section('read', 'What the run read', readHtml(r, x)),
    section('attribution', 'Attribution and what the spend caused', `${figure(svg.attribution)}${attributionTable(r)}${figure(svg.inc)}${incrementalityTable(r, reported)}`),
    section('assumptions', 'What the incrementality estimate assumes', modelCard.assumptions),
    section('kpi', 'ACV from marketing leads', kpiHtml(r, svg)),
    section('forecast', 'Forecast of new ACV', `${figure(svg.forecast)}${forecastTotalsTable(r)}${modelCard.coverage}`),
    section('renewals', 'Renewals and lifetime value', renewalsHtml(r, x, svg)),
    section('accounts', 'Accounts to pursue', accounts),
    section('finance', 'Signed, billed and collected', finance),
    section('budget', 'Budget proposal', budgetHtml(r, svg)),
    section('experiments', 'Lift tests', `<h3>This run's tests against the model</h3>${liftTestCalibrationHtml(r.calibration)}<h3>Next lift tests</h3>${liftTests}`),
    section('governance', 'Backtest, gate, drift and what changed', governanceHtml(r)),
    section('lineage', 'Lineage', `<p>Each stage's OpenLineage event: what it read and wrote (<code>acvloop lineage ${esc(r.runId)}</code> traces every output to the drop files).</p>${lineageHtml(r, x)}`),
    section('decision', 'Decision', decisionBox(r, opts)),
  ].join('\n');
  return page(handle, r, body, opts);
}

/** Every chart of the page as inline SVG, or null where the run has no data for it. */
async function renderCharts(r: RunReport, x: Extras, reported: string) {
  const chart = async (spec: Record<string, unknown> | null) => (spec ? renderSvg(spec) : null);
  const [attribution, inc, kpiSeg, kpiReg, forecast, survival, ltv, budget] = await Promise.all([
    chart(attributionChart(r)), chart(incrementalityChart(r, reported)), chart(kpiChart(r, 'acv_from_marketing_leads', 'segment')),
    chart(kpiChart(r, 'acv_from_marketing_leads', 'region')), chart(forecastChart(r)), chart(survivalChart(r)), chart(ltvChart(x.ltv)), chart(budgetChart(r)),
  ]);
  return { attribution, inc, kpiSeg, kpiReg, forecast, survival, ltv, budget };
}
type Charts = Awaited<ReturnType<typeof renderCharts>>;

/** The drop's files, then the quarantine. */
function readHtml(r: RunReport, x: Extras): string {
  const filesTable = table(['file', 'rows read', 'accepted', 'quarantined', 'contract', 'sha256'],
    r.ingest.files.map((f) => [f.file, f.rowsRead, f.rowsAccepted, f.rowsQuarantined, f.contractVersion ?? '—', f.sha256.slice(0, 16)]),
    { numeric: [false, true, true, true, false, false] });
  return `${filesTable}<h3>Quarantine, by file and rule</h3>${quarantineHtml(x.quarantine)}`;
}

/** The quarantine, browsable by file and rule without a script: one disclosure per file and rule. */
function quarantineHtml(quarantine: Extras['quarantine']): string {
  const byFileRule = new Map<string, typeof quarantine>();
  for (const q of quarantine) (byFileRule.get(`${q.file}\u0000${q.rule}`) ?? byFileRule.set(`${q.file}\u0000${q.rule}`, []).get(`${q.file}\u0000${q.rule}`)!).push(q);
  return byFileRule.size
    ? [...byFileRule].map(([key, rows]) => {
      const [file, rule] = key.split('\u0000');
      return `<details><summary>${esc(file)} — ${esc(rule)} (${rows.length} row${rows.length === 1 ? '' : 's'})</summary>${
        table(['line', 'column', 'value', 'why'], rows.slice(0, 200).map((q) => [q.line, q.column_name ?? '—', q.value ?? '', q.message]))}${
        rows.length > 200 ? `<p class="note">The first 200 of ${rows.length}; all are in the quarantine table.</p>` : ''}</details>`;
    }).join('')
    : '<p class="empty">No row was quarantined.</p>';
}

/** Credited ACV by channel, one column per attribution model. */
function attributionTable(r: RunReport): string {
  const models = Object.keys(r.attribution);
  const channels = [...new Set(models.flatMap((m) => Object.keys(r.attribution[m])))].sort();
  return table(['channel', ...models], channels.map((c) => [c, ...models.map((m) => usd(r.attribution[m][c] ?? 0))]),
    { numeric: [false, ...models.map(() => true)] });
}

const band = (iv: [number, number] | null) => (iv ? `${num(iv[0], 2)} – ${num(iv[1], 2)}` : '—');

/** What each channel's spend caused, with its intervals, beside what the reported model credits it. */
function incrementalityTable(r: RunReport, reported: string): string {
  return table(['channel', 'spend', 'incremental ACV', '80% interval', 'ROI', 'ROI 80%', 'marginal ROI', 'mROI 80%', `credited (${reported})`, 'identified'],
    Object.entries(r.incrementality).map(([c, i]) => [c, usd(i.spend), usd(i.incrementalAcv), `${usd(i.low)} – ${usd(i.high)}`, num(i.roi, 2), band(i.roiInterval),
      num(i.mroi, 2), band(i.mroiInterval), usd(i.attributedAcv[reported] ?? 0), identifiedCell(i.identifiability)]),
    { numeric: [false, true, true, false, true, false, true, false, true, false] });
}

/** The headline KPI, its bands and history, and its charts by segment and region. */
function kpiHtml(r: RunReport, svg: Charts): string {
  const kpi = r.kpis['acv_from_marketing_leads'] as LeadKpi & { marketingLeads?: number; marketingAcv?: number } | undefined;
  const kpiNet = r.kpis['acv_from_marketing_leads_net_of_churn'] as { value?: number | null } | undefined;
  const kpiHistory = kpi ? historyText(kpi) : null;
  return `<p class="headline">${usd(kpi?.value)} per marketing lead <span class="band ${esc(kpi?.band ?? '')}">${esc(kpi?.band ?? '—')}</span>
      (${esc(kpi?.marketingLeads ?? '—')} leads, ${usd(kpi?.marketingAcv)}); net of churned renewals ${usd(kpiNet?.value)}.</p>
      ${kpi ? `<p>Bands: ${esc(bandText(kpi))}.${kpiHistory ? ` Against the company's own trailing 12 months, ${esc(kpiHistory)}.` : ''}</p>` : ''}
      <div class="pair">${figure(svg.kpiSeg)}${figure(svg.kpiReg)}</div>`;
}

function forecastTotalsTable(r: RunReport): string {
  return table(['scenario', 'months', 'spend', 'expected new ACV', '80% interval', '95% interval'],
    r.forecastTotals.map((f) => [f.scenario, f.horizonMonths, usd(f.spend), usd(f.mean), `${usd(f.lo80)} – ${usd(f.hi80)}`, `${usd(f.lo95)} – ${usd(f.hi95)}`]),
    { numeric: [false, true, true, true, false, false] });
}

/** Survival and LTV charts, then the contracts with the most ARR at risk. */
function renewalsHtml(r: RunReport, x: Extras, svg: Charts): string {
  const card = r.contracts.ltvCard.length ? `<h3>How the LTV counts money</h3>${r.contracts.ltvCard.map((l) => `<p>${esc(l)}</p>`).join('')}` : '';
  return `${figure(svg.survival)}${figure(svg.ltv)}${card}<h3>Largest contracts at risk (projected ARR × chance of not renewing)</h3>${
      table(['contract', 'account', 'renewal p', 'projected ARR', 'ARR at risk', 'LTV P50', 'next renewal'], x.atRisk.map((c) => [c.contract_id, c.account_id,
        pct(c.renewal_probability), usd(c.projected_arr), usd(c.projected_arr * (1 - c.renewal_probability)), usd(c.ltv_p50), c.next_renewal_date ?? '—']),
      { numeric: [false, false, true, true, true, true, false] })}`;
}

/** The proposed budget, and what of it applies now and what waits for sign-off. */
function budgetHtml(r: RunReport, svg: Charts): string {
  const budgetLines = Object.entries(r.budget);
  const budgetTable = table(['channel', 'current', 'recommended', 'change', 'expected incremental ACV', 'binding guardrail'],
    budgetLines.map(([c, b]) => [c, usd(b.current), usd(b.recommended), usd(b.change), usd(b.expectedAcv as number | undefined), b.binding]),
    { numeric: [false, true, true, true, true, false], rowClass: (i) => (budgetLines[i][1].binding !== 'total' ? 'held' : '') });
  const req = r.approvalRequest;
  return `${figure(svg.budget)}${budgetTable}<h3>What applies and what waits for sign-off</h3>${signOffHtml(req)}${
      req?.signOff.unidentified ? `<p class="wait">Cannot be known: ${esc(req.signOff.unidentified.text)}.</p>` : ''}`;
}

/** How many approvers the run waits for, and for what. */
function signOffHtml(req: RunReport['approvalRequest']): string {
  return !req ? '<p class="empty">The run has not reached the approval gate.</p>'
    : req.requiredApprovers === 0
      ? `<p class="ok">Nothing needs sign-off: no promotion, no drift, and the budget moves ${pct(req.budgetMoveShare)} of spend, within the ${pct(req.signOff.budget.threshold, 0)} that needs approvers. It applies and is logged.</p>`
      : `<p class="wait">Waits for <strong>${req.requiredApprovers}</strong> approver(s): ${[
        req.signOff.promotion.length ? `promoting ${esc(req.signOff.promotion.join(', '))}` : '',
        req.signOff.budget.beyondGuardrails ? `a budget move of ${pct(req.budgetMoveShare)} (beyond ${pct(req.signOff.budget.threshold, 0)})` : `a budget move of ${pct(req.budgetMoveShare)} (within ${pct(req.signOff.budget.threshold, 0)}: applies with the promotion)`,
        req.signOff.drift?.driftedFeatures?.length ? `drift in ${esc(req.signOff.drift.driftedFeatures.join(', '))}` : '',
        req.signOff.liftTests ? `reviewing ${esc(req.signOff.liftTests.text)}` : '',
      ].filter(Boolean).join('; ')}.</p>${req.signOff.champion ? `<p>Champion: ${esc(req.signOff.champion.text)}.</p>` : ''}`;
}

/** Backtest, gate, drift, what changed since the last approved run, and open disputes. */
function governanceHtml(r: RunReport): string {
  const metrics = [...new Set(r.backtest.map((b) => b.metric))];
  const cell = (role: string, m: string) => num(r.backtest.find((b) => b.role === role && b.metric === m)?.value ?? null);
  const backtestTable = table(['metric', 'challenger (this run)', 'champion'], metrics.map((m) => [m, cell('challenger', m), cell('champion', m)]), { numeric: [false, true, true] });
  const gateTable = r.gate ? table(['family', 'verdict', 'why'], Object.entries(r.gate.families).map(([f, v]) => [f, v.passed ? 'promotable' : 'kept out', v.reason]),
    { rowClass: (i) => (Object.values(r.gate!.families)[i].passed ? '' : 'held') }) : '<p class="empty">No gate verdict (a run of an earlier release, or not yet at the gate).</p>';
  const disputes = table(['id', 'run', 'opportunity', 'raised by', 'reason', 'credit'], r.disputes.map((d) => [d.id, d.runId, d.opportunityId, d.raisedBy, d.reason,
    `${d.model}: ${Object.entries(d.byChannel).map(([c, v]) => `${c} ${usd(v)}`).join(', ')}`]));
  return `<h3>Backtest: challenger against champion</h3>${backtestTable}<h3>Gate</h3>${gateTable}
      <h3>Drift</h3>${driftTable(r)}<h3>What changed since the last approved run</h3>${changesHtml(r)}<h3>Open attribution disputes</h3>${disputes}`;
}

/** One verdict per feature, and the reason beside it: every threshold it was held against, and why PSI did not count when it did not. */
function driftTable(r: RunReport): string {
  const driftRows = (r.drift?.features ?? []) as { source: string; feature: string; method: string; statistic: number | null; pValue: number | null; psi: number | null; drifted: boolean; reason: string | null }[];
  return r.drift ? table(['source', 'feature', 'test', 'statistic', 'p-value', 'PSI', 'drifted', 'why'],
    driftRows.map((f) => [f.source, f.feature, f.method, num(f.statistic), pValue(f.pValue), num(f.psi), f.drifted ? 'yes' : 'no', f.reason ?? '—']),
    { numeric: [false, false, false, true, true, true, false, false], rowClass: (i) => (driftRows[i].drifted ? 'held' : '') }) : '<p class="empty">No drift report for this run.</p>';
}

/** Each channel's ROI and budget against the last approved run, split into what spend level and what the refit moved. */
function changesHtml(r: RunReport): string {
  const ch = r.approvalRequest?.changes;
  return !ch ? '<p class="empty">Not yet at the gate.</p>' : !ch.previousRunId ? `<p>${esc(ch.note)}</p>`
    : `<p>Since the last approved run <code>${esc(ch.previousRunId)}</code>: ${esc(ch.note)}.</p>${table(
      ['channel', 'ROI then', 'ROI now', 'budget then', 'budget now', 'from spend level', 'from refit', 'source'],
      ch.channels.map((c: any) => [c.channel, num(c.roiThen, 2), num(c.roiNow, 2), usd(c.budgetThen), usd(c.budgetNow), num(c.fromSpendLevel), num(c.fromRefit), c.source]),
      { numeric: [false, true, true, true, true, true, true, false] })}`;
}

/** The graph when it reads, and always the same events as a table (what a screen reader reads best); a retried COMPLETE is one row. */
function lineageHtml(r: RunReport, x: Extras): string {
  const lineageEvents = x.lineage.map((e) => e.event as unknown as LineageRunEvent);
  const drawing = lineageDrawing(lineageEvents, { title: `Lineage of run ${r.runId}` });
  const lineageRows = [...new Map(lineageEvents.map((ev) => {
    const row = [shortJobName(ev), (ev.inputs ?? []).map(lineageLabel).join(', '), (ev.outputs ?? []).map(lineageLabel).join(', ')];
    return [row.join('\u0000'), row] as const;
  })).values()];
  const lineageTable = table(['stage', 'read', 'wrote'], lineageRows);
  // A graph whose arrows cannot be followed says less than the table: past the measured tangle, the table alone.
  return !drawing ? '<p class="empty">No stage of this run has completed yet.</p>'
    : lineageReads(drawing) ? `<figure class="chart lineage">${drawing.svg}</figure>
    <details><summary>The same lineage as a table: what each stage read and wrote</summary>${lineageTable}</details>`
    : `<p class="note">What each stage read and wrote. The graph of this run is not drawn: its ${drawing.arrows} arrows would cross ${drawing.crossings} times
    (${drawing.crossingsPerArrow.toFixed(1)} per arrow, past the ${MAX_CROSSINGS_PER_ARROW} at which an arrow can still be followed).</p>${lineageTable}`;
}

/** The run's status, every reviewer's decision, and how to decide while it waits. */
function decisionBox(r: RunReport, opts: ReportOptions): string {
  const decisions = r.decisions.length ? table(['reviewer', 'decision', 'reason', 'at'], r.decisions.map((d) => [d.reviewer, d.decision, d.reason ?? '', d.at]))
    : '<p class="empty">No reviewer has decided yet.</p>';
  return `<div class="decision">
    <p>Status: <strong>${esc(r.status)}</strong>${r.approval ? ` — ${esc(r.approval.decision)} by ${esc(r.approval.reviewer ?? '—')}${r.approval.reason ? ` (“${esc(r.approval.reason)}”)` : ''}` : ''}.</p>
    ${decisions}
    ${opts.decision?.(r) ?? ''}
    ${r.status === 'awaiting_approval' ? `<p>Decide with the acvloop command, or any Temporal client (the same Update):</p>
    <pre>acvloop approve ${esc(r.runId)} --reviewer NAME --reason "…"
acvloop reject  ${esc(r.runId)} --reviewer NAME --reason "…"
temporal workflow update execute --workflow-id ${esc(r.runId)} --name decide \\
  --input '{"decision":"approve","reviewer":"NAME","reason":"…"}'</pre>` : ''}
  </div>`;
}

/** The document around the sections: head and style, the run's header and contents, the footer. */
function page(handle: Db, r: RunReport, body: string, opts: ReportOptions): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>acvloop — ${esc(r.runId)}</title>
<style>${STYLE}</style></head>
<body>${opts.banner ?? ''}<header><h1>Run ${esc(r.runId)}</h1>
<p>Month <strong>${esc(r.month)}</strong> · status <strong>${esc(r.status)}</strong> · requested by ${esc(r.requestedBy)} · code ${esc(r.codeVersion)} · drop sha256 <code>${esc(r.drop.sha256.slice(0, 16))}</code>
${r.attributionPolicy ? ` · attribution policy ${esc(r.attributionPolicy.version)} (${esc(r.attributionPolicy.reportedModel)})` : ''}</p>
<nav>${['summary', 'read', 'attribution', 'assumptions', 'kpi', 'forecast', 'renewals', 'accounts', 'finance', 'budget', 'experiments', 'governance', 'lineage', 'decision'].map((id) => `<a href="#${id}">${id}</a>`).join(' · ')}</nav></header>
<main>${body}</main>
<footer>Generated by acvloop${opts.generatedAt ? ` at ${esc(opts.generatedAt)}` : ''} from Postgres schema ${esc(handle.schema)}.</footer>
</body></html>
`;
}

const STYLE = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #5f6368; --line: #dadce0; --held: #fdecea; }
body { font: 14px/1.45 system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; border-bottom: 2px solid var(--line); padding-bottom: .25rem; margin-top: 2rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f1f3f4; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.held td { background: var(--held); }
figure.chart { margin: .5rem 0; overflow-x: auto; } figure.lineage svg { max-width: 100%; height: auto; } .pair { display: flex; flex-wrap: wrap; gap: 1rem; }
.empty, .note { color: var(--muted); } .headline { font-size: 1.1rem; }
.band { padding: .1rem .4rem; border-radius: .25rem; color: #fff; background: #5f6368; }
.band.strong { background: #2e7d32; } .band.moderate { background: #f9a825; color: #1a1a1a; } .band.underperforming { background: #c62828; }
.ok { color: #1b5e20; } .wait { color: #8a4b00; } .refused { color: #b3261e; font-weight: 600; }
.decision { border: 2px solid var(--ink); padding: .75rem 1rem; border-radius: .5rem; }
#summary { border-left: 4px solid #174ea6; padding-left: 1rem; } #summary h2 { margin-top: 1rem; } .ask { font-size: 1.1rem; margin-bottom: .25rem; }
.asked li, .changes li, .checks li, .card-channels li { margin: .2rem 0; } .card-channels li.held { background: var(--held); } .roi-table { flex: 1 1 320px; }
tr.standing-above td:last-child { color: #1b5e20; font-weight: 600; } tr.standing-below td:last-child { color: #b3261e; font-weight: 600; }
pre { background: #f1f3f4; padding: .5rem; overflow-x: auto; font-size: 12px; }
details { margin: .25rem 0; } summary { cursor: pointer; }
nav a { color: #1a0dab; } footer { color: var(--muted); margin-top: 2rem; font-size: 12px; }
/* Print opens every fold: a closed <details> keeps its content out of layout, ::details-content lets it in. */
@media print { nav { display: none; } section { break-inside: avoid-page; } details::details-content { content-visibility: visible; display: block; } body { max-width: none; padding: 0; } }
`;

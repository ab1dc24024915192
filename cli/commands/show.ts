import { openDb } from '../env';
import { bandText, historyText, type LeadKpi } from '../../queries/kpi-summary';
import { disagreeingTests, readRun, unidentifiedChannels, type RunReport } from '../../queries/run-report';
import { printJson, say, table } from '../output';
import { pct, pValue, ratioRange, usd } from '../../lib/format';
import { pilotLines } from '../pilot-lines';

const ratio = (x: number | null) => (x === null ? '—' : x.toFixed(2));

export async function showCommand(runId: string, opts: { json?: boolean }): Promise<number> {
  const handle = await openDb();
  try {
    const r = await readRun(handle, runId);
    if (opts.json) printJson(r);
    else printReport(r);
    return 0;
  } finally {
    await handle.close();
  }
}

/** The human summary of a run (also what the demo ends with). */
export function printReport(r: RunReport): void {
  say(`Run ${r.runId} — month ${r.month} — ${r.status}`);
  if (r.pilot) for (const line of pilotLines(r.pilot)) say(line);
  say('');
  say('What the run read');
  say(table(['file', 'rows read', 'accepted', 'quarantined', 'sha256'],
    r.ingest.files.map((f) => [f.file, f.rowsRead, f.rowsAccepted, f.rowsQuarantined, f.sha256.slice(0, 12)])));
  if (r.ingest.quarantineByRule.length) {
    say('Quarantined rows by rule');
    say(table(['file', 'rule', 'rows'], r.ingest.quarantineByRule.map((q) => [q.file, q.rule, q.rows])));
  }
  const models = Object.keys(r.attribution);
  if (models.length) {
    say('');
    say('New ACV (first contracts) attributed per channel, every model (USD)');
    const channels = [...new Set(models.flatMap((m) => Object.keys(r.attribution[m])))].sort();
    say(table(['channel', ...models], channels.map((c) => [c, ...models.map((m) => usd(r.attribution[m][c] ?? 0))])));
  }
  if (r.attributionPolicy) {
    say(`Reported attribution: ${r.attributionPolicy.reportedModel} (attribution policy ${r.attributionPolicy.version}, sha256 ${r.attributionPolicy.sha256.slice(0, 12)})`);
  }
  const inc = Object.entries(r.incrementality);
  if (inc.length) {
    say('');
    say('What the spend caused (media-mix model, 80% interval) beside what attribution credits');
    say(table(['channel', 'spend', 'incremental ACV', 'interval', 'ROI', 'marginal ROI', 'linear credit', 'last-touch credit', 'identified'],
      inc.map(([c, i]) => [c, usd(i.spend), usd(i.incrementalAcv), `${usd(i.low)} – ${usd(i.high)}`, ratio(i.roi), ratio(i.mroi),
        usd(i.attributedAcv.linear ?? 0), usd(i.attributedAcv.last ?? 0), i.identifiability ? (i.identifiability.identified ? 'yes' : 'no') : '—'])));
    // Said in words under the table: the interval of such a channel is widened, and the budget holds it within a step.
    for (const { channel, why } of unidentifiedChannels(r)) say(`  ${channel} cannot be known from this data: ${why}`);
  }
  if (r.calibration.length) {
    say('');
    say('Lift tests against the model (80% intervals): what each test measured, what the model expected without tests, the ROI before and after calibration');
    say(table(['channel', 'months', 'test incremental ACV', 'model without tests', 'ROI before', 'ROI after', 'verdict'],
      r.calibration.map((c) => [c.channel, `${c.test.start}..${c.test.end}`, `${usd(c.test.incrementalAcv)} (${usd(c.test.p10)} – ${usd(c.test.p90)})`,
        `${usd(c.before.testMonths.incrementalAcv)} (${usd(c.before.testMonths.p10)} – ${usd(c.before.testMonths.p90)})`,
        `${ratio(c.before.roi)} (${ratioRange([c.before.p10, c.before.p90])})`, `${ratio(c.after.roi)} (${ratioRange([c.after.p10, c.after.p90])})`, c.verdict])));
    for (const c of disagreeingTests(r)) say(`  Flagged for review: ${c.why}`);
  }
  const k = r.kpis['acv_from_marketing_leads'] as LeadKpi | undefined;
  const net = r.kpis['acv_from_marketing_leads_net_of_churn'] as LeadKpi | undefined;
  if (k) {
    say('');
    say(`KPI "ACV from marketing leads": ${usd(k.value)} per marketing lead — ${bandText(k)}` +
      (net ? `; net of churned renewals ${usd(net.value)} — ${net.band ?? ''}` : ''));
    const own = historyText(k);
    const ownNet = net && historyText(net);
    if (own) say(`  against the company's own trailing 12 months, ${own}` + (ownNet ? `; net of churn ${ownNet}` : ''));
  }
  say('');
  say(`Active contracts scored: ${r.contracts.scored} (mean renewal probability ${pct(r.contracts.meanRenewalProbability)}, ` +
    `total LTV P50 ${usd(r.contracts.totalLtvP50)}, projected ARR ${usd(r.contracts.totalProjectedArr)})`);
  if (r.contracts.ltvP50EqualsP90) {
    say(`  LTV P50 = P90 on ${r.contracts.ltvP50EqualsP90} of them: with a fixed expansion rate an LTV takes one value per number of renewals ` +
      'survived (ltv_outcomes in `acvloop scores`), so one likely outcome, most often renewing at every decision, spans both quantiles');
  }
  for (const line of r.contracts.ltvCard) say(`  ${line}`);
  const all = r.renewals.survival.all;
  if (all?.length) {
    const at = (t: number) => all.filter((p) => p.t <= t).at(-1)?.survival ?? 1;
    say(`Customer survival (Kaplan–Meier of renewal chains): ${pct(at(12))} after 12 months, ${pct(at(24))} after 24, ${pct(at(36))} after 36`);
  }
  if (r.contracts.top.length) {
    say(table(['contract', 'account', 'renewal p', 'LTV P50'], r.contracts.top.map((t) => [t.contractId, t.accountId, pct(t.renewalProbability), usd(t.ltvP50)])));
  }
  if (r.accounts) {
    const a = r.accounts;
    say('');
    say(`Accounts to pursue (${a.scored} ${a.level === 'family' ? 'families' : 'accounts'}, by ${a.modelVersionId}; ${a.mql.accounts} MQLs, ${a.mql.crossedThisMonth} crossed this month; acvloop accounts ${r.runId} lists them all)`);
    say(table(['tier', 'accounts', 'expected new ACV', 'expected expansion ACV', 'win rate (12 mo)', 'ACV lift (12 mo)', 'deal velocity (days)'],
      a.tiers.map((t) => [t.tier, t.accounts, usd(t.expectedNewAcv), usd(t.expectedExpansionAcv), t.winRate === null ? '—' : pct(t.winRate),
        ratio(t.acvLift), t.dealVelocityDays === null ? '—' : Math.round(t.dealVelocityDays)])));
    say(table(['rank', 'account', 'tier', 'win p', 'expected new ACV', 'expansion p', 'drivers'],
      a.top.slice(0, 5).map((x) => [x.rank, x.account_id, x.tier, pct(x.win_propensity), usd(x.expected_new_acv),
        x.expansion_propensity === null ? '—' : pct(x.expansion_propensity), x.drivers])));
  }
  if (r.finance) printFinance(r.finance);
  if (r.forecast.length) {
    say('');
    say('Forecast of new ACV, by spend scenario');
    say(table(['scenario', 'months', 'spend', 'expected', '80% interval', '95% interval'], r.forecastTotals
      .map((f) => [f.scenario, f.horizonMonths, usd(f.spend), usd(f.mean), `${usd(f.lo80)} – ${usd(f.hi80)}`, `${usd(f.lo95)} – ${usd(f.hi95)}`])));
  }
  if (r.backtest.length) {
    say('');
    say('Backtest: challenger (this run) against champion');
    const metrics = [...new Set(r.backtest.map((b) => b.metric))];
    const cell = (role: string, m: string) => {
      const v = r.backtest.find((b) => b.role === role && b.metric === m)?.value;
      return v === null || v === undefined ? '—' : v.toFixed(3);
    };
    say(table(['metric', 'challenger', 'champion'], metrics.map((m) => [m, cell('challenger', m), cell('champion', m)])));
  }
  const budget = Object.entries(r.budget);
  if (budget.length) {
    say('');
    say('Proposed budget for next month (USD)');
    say(table(['channel', 'current', 'recommended', 'change', 'expected incremental ACV', 'binding guardrail'],
      budget.map(([c, b]) => [c, usd(b.current), usd(b.recommended), usd(b.change), usd(b.expectedAcv as number | undefined), b.binding])));
  }
  if (r.disputes.length) {
    say('');
    say(`Open attribution disputes (runs of ${r.month} and earlier; close with \`acvloop dispute resolve ID --by NAME --note TEXT\`)`);
    say(table(['id', 'run', 'opportunity', 'raised by', 'reason', 'credit (reported model)'], r.disputes.map((d) => [d.id, d.runId, d.opportunityId, d.raisedBy, d.reason,
      `${d.model}: ${Object.entries(d.byChannel).map(([ch, v]) => `${ch} ${usd(v)}`).join(', ')}`])));
  }
  printGovernance(r);
  say('');
  say(r.approval ? `Decision: ${r.approval.decision}${r.approval.reviewer ? ` by ${r.approval.reviewer}` : ''}${r.approval.reason ? ` — ${r.approval.reason}` : ''} at ${r.approval.at}` : 'Decision: none yet');
  say(`Outputs: Postgres schema "${r.outputs.schema}", tables ${r.outputs.tables.join(', ')} (run_id = '${r.runId}')`);
}

const days = (x: number | null) => (x === null ? '—' : String(Math.round(x * 10) / 10));
const invoices = (n: number) => `${n} invoice${n === 1 ? '' : 's'}`;

/** Realized against contracted (issue 17): billed, collected, DSO and overdue, the largest billing gaps, margin by channel, time to value. */
function printFinance(f: NonNullable<RunReport['finance']>): void {
  const b = f.billedVsContracted;
  say('');
  say(`Billed and collected (12 months to ${f.month}, ${f.window.from}..${f.window.to})`);
  say(`  Billed ${usd(f.billed)} over ${invoices(f.invoices)}, collected ${usd(f.collected)} (${pct(f.collectedShare)}), DSO ${f.dsoDays === null ? '—' : `${days(f.dsoDays)} days`}; ` +
    `overdue ${invoices(f.overdue.count)}, ${usd(f.overdue.amount)} (unpaid past the due date, or after ${f.overdueDays} days without one)`);
  say(`  Billed behind what active contracts earned (leakage): ${usd(b.leakage)} (expected to date ${usd(b.expected)}, billed ${usd(b.billed)})` +
    (b.largest.length ? `; largest gaps ${b.largest.slice(0, 3).map((l) => `${l.contractId} ${usd(l.gap)}`).join(', ')}` : ''));
  if (f.grossMarginByChannel.length) {
    say('Gross margin of active contracts by lead source (annual), per dollar of the channel\'s spend over the 12 months');
    say(table(['lead source', 'contracts', 'ACV', 'cost to serve', 'gross margin', 'spend', 'margin per $'],
      f.grossMarginByChannel.map((m) => [m.leadSource, m.contracts, usd(m.acv), usd(m.costToServe), usd(m.margin), usd(m.spend), ratio(m.marginPerDollar)])));
  }
  const ttv = [...f.timeToValue.bySegment, ...(f.timeToValue.overall ? [f.timeToValue.overall] : [])];
  if (ttv.length) {
    say('Time to value: median days from a first contract\'s start to active usage, by segment');
    say(table(['segment', 'first contracts', 'valued', 'median days', 'pending'], ttv.map((t) => [t.segment, t.contracts, t.valued, days(t.medianDays), t.pending])));
  }
}

/** What a reviewer reads before deciding: drift, the gate's verdict, what needs sign-off, and what changed since the last approved run. */
function printGovernance(r: RunReport): void {
  if (r.drift) {
    const drifted = (r.drift.features as any[]).filter((f) => f.drifted);
    const anomalies = (r.drift.sources as any[]).filter((s) => s.rowAnomaly);
    say('');
    say(`Drift against ${(r.drift.features as any[])[0]?.referenceRunId ?? 'the same drop\'s earlier months'}: ${drifted.length} of ${r.drift.features.length} features drifted` +
      `${anomalies.length ? `; row-count anomalies in ${anomalies.map((s) => `${s.source} (z ${Number(s.rowCountZ).toFixed(1)})`).join(', ')}` : ''}`);
    if (drifted.length) {
      say(table(['source', 'feature', 'test', 'statistic', 'p-value', 'PSI', 'why'], drifted.map((f) => [f.source, f.feature, f.method,
        f.statistic === null ? '—' : Number(f.statistic).toFixed(3), pValue(f.pValue), f.psi === null ? '—' : Number(f.psi).toFixed(3), f.reason ?? '—'])));
    }
  }
  if (r.gate) {
    say('');
    say(`Backtest gate: ${r.gate.passed ? `passed for ${r.gate.promote.join(', ')}` : 'no challenger passed'}`);
    say(table(['family', 'verdict', 'why'], Object.entries(r.gate.families).map(([f, v]) => [f, v.passed ? 'promotable' : 'kept out', v.reason])));
  }
  if (r.approvalRequest) {
    const a = r.approvalRequest;
    say('');
    say(a.requiredApprovers === 0 ? 'Sign-off: none needed (nothing promoted, budget within guardrails): applied and logged'
      : `Sign-off: ${a.requiredApprovers} approver(s)${a.signOff.promotion.length ? `; promotes ${a.signOff.promotion.join(', ')}` : ''}` +
        `${a.budgetMoveShare !== null ? `; the budget moves ${pct(a.budgetMoveShare)} of spend (${a.signOff.budget.beyondGuardrails ? 'beyond' : 'within'} the ${pct(a.signOff.budget.threshold, 0)} that needs more approvers)` : ''}`);
    // Which champions approving moves: a run older than the champion's run keeps it unless the approver asks.
    if (a.signOff.champion) say(`Champion: ${a.signOff.champion.text}`);
    if (a.signOff.unidentified) say(`Cannot be known: ${a.signOff.unidentified.text}`);
    for (const c of disagreeingTests(r)) {
      say(`Lift test to review: ${c.channel} ${c.test.start}..${c.test.end} disagrees with the model, so it decided the channel's estimate; ` +
        'check the test\'s design and the channel\'s data (see above)');
    }
    const ch = a.changes;
    if (ch?.previousRunId) {
      say(`What changed since the last approved run ${ch.previousRunId} (${ch.note})`);
      say(table(['channel', 'ROI then', 'ROI now', 'budget then', 'budget now', 'from spend level', 'from refit', 'source'], ch.channels.map((c: any) => [
        c.channel, ratio(c.roiThen), ratio(c.roiNow), usd(c.budgetThen), usd(c.budgetNow),
        c.fromSpendLevel === null ? '—' : c.fromSpendLevel.toFixed(3), c.fromRefit === null ? '—' : c.fromRefit.toFixed(3), c.source])));
    } else if (ch) say(`What changed: ${ch.note}`);
  }
  if (r.decisions.length) {
    say(table(['reviewer', 'decision', 'reason', 'at'], r.decisions.map((d) => [d.reviewer, d.decision, d.reason ?? '', d.at])));
  }
}

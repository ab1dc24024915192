import { openDb } from '../env';
import { readRun, type RunReport } from '../read-model';
import { pct, printJson, say, table, usd } from '../output';

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
    say('Won ACV attributed per channel (USD)');
    const channels = [...new Set(models.flatMap((m) => Object.keys(r.attribution[m])))].sort();
    say(table(['channel', ...models], channels.map((c) => [c, ...models.map((m) => usd(r.attribution[m][c] ?? 0))])));
  }
  const k = r.kpis['acv_from_marketing_leads'] as { value?: number; band?: string } | undefined;
  if (k) {
    say('');
    say(`KPI "ACV from marketing leads": ${usd(k.value)} per marketing lead — ${k.band ?? ''}`);
  }
  say('');
  say(`Active contracts scored: ${r.contracts.scored} (mean renewal probability ${pct(r.contracts.meanRenewalProbability)}, ` +
    `total LTV P50 ${usd(r.contracts.totalLtvP50)}, projected ARR ${usd(r.contracts.totalProjectedArr)})`);
  if (r.contracts.top.length) {
    say(table(['contract', 'account', 'renewal p', 'LTV P50'], r.contracts.top.map((t) => [t.contractId, t.accountId, pct(t.renewalProbability), usd(t.ltvP50)])));
  }
  if (r.forecast.length) {
    say('');
    say('Forecast of new won ACV per month (as-is spend)');
    say(table(['month', 'expected', '80% interval', '95% interval'], r.forecast.filter((f) => f.scenario === 'as_is').slice(0, 3)
      .map((f) => [f.month, usd(f.mean), `${usd(f.lo80)} – ${usd(f.hi80)}`, `${usd(f.lo95)} – ${usd(f.hi95)}`])));
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
    say(table(['channel', 'current', 'recommended', 'change', 'guardrail'],
      budget.map(([c, b]) => [c, usd(b.current), usd(b.recommended), usd(b.change), b.binding])));
  }
  say('');
  say(r.approval ? `Decision: ${r.approval.decision}${r.approval.reviewer ? ` by ${r.approval.reviewer}` : ''}${r.approval.reason ? ` — ${r.approval.reason}` : ''} at ${r.approval.at}` : 'Decision: none yet');
  say(`Outputs: Postgres schema "${r.outputs.schema}", tables ${r.outputs.tables.join(', ')} (run_id = '${r.runId}')`);
}

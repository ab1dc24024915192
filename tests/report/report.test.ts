import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRunReport } from '../../report/html';
import { createActivities } from '../../activities';
import { experimentPlan } from '../../queries/experiment-plans';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { depsFor, registerRun, runAllStages, type TestDb, type TestDrop } from '../activities/support';

/**
 * The reviewer's report of a run: one self-contained page (nothing fetched,
 * no script), every section, every chart as SVG, and its numbers the ones in
 * Postgres.
 */
let db: TestDb;
let drop: TestDrop;
let html: string;
const runId = 'report-1';

beforeAll(async () => {
  db = await suiteDb('report');
  drop = await smallDrop({ seed: 21, accounts: 600, months: 30 });
  await registerRun(db, runId, drop);
  await runAllStages(db, runId);
  await createActivities(depsFor(db)).prepareApproval({ runId });
  html = await buildRunReport(db, runId);
});

afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
});

const sectionOf = (id: string) => {
  const m = new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`).exec(html);
  if (!m) throw new Error(`no section ${id}`);
  return m[1];
};

describe('acvloop report', () => {
  it('is self-contained: no script, nothing fetched from the network', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/<link[^>]+stylesheet/i);
    expect(html).not.toMatch(/@import/);
    // The one url() allowed points inside the page (the lineage graph's arrowhead marker): nothing to fetch.
    expect(html).not.toMatch(/url\(\s*(?!#)/);
    for (const [, id] of html.matchAll(/url\(#([^)]+)\)/g)) expect(html, id).toContain(`id="${id}"`);
  });

  it('has every section, with its charts rendered to SVG', () => {
    const charts: Record<string, number> = { summary: 1, read: 0, attribution: 2, kpi: 2, forecast: 1, renewals: 2, budget: 1, governance: 0, lineage: 0, decision: 0 };
    for (const [id, n] of Object.entries(charts)) {
      const body = sectionOf(id);
      expect((body.match(/<svg[\s>]/g) ?? []).length, id).toBe(n);
      expect(body, id).not.toMatch(/No data for this chart/);
    }
  });

  it('shows the numbers Postgres holds: files and quarantine, budget, decision state', async () => {
    const files = await db.pool.query('select file, rows_read from ingest_files f join run_batches b using (batch_id) where b.run_id = $1 order by file', [runId]);
    const read = sectionOf('read');
    for (const f of files.rows) expect(read).toMatch(new RegExp(`<td>${f.file.replace('.', '\\.')}</td><td class="num">${f.rows_read}</td>`));
    const q = await db.pool.query(`select file, rule, count(*)::int as n from quarantine q join run_batches b using (batch_id) where b.run_id = $1 group by file, rule`, [runId]);
    for (const r of q.rows) expect(read).toContain(`${r.file} — ${r.rule} (${r.n} row${r.n === 1 ? '' : 's'})`);
    const budget = await db.pool.query('select channel, recommended, binding from budget_recommendations where run_id = $1', [runId]);
    expect(budget.rowCount).toBeGreaterThan(0);
    const usd = (n: number) => `$${Math.round(n).toLocaleString('en-US')}`;
    for (const b of budget.rows) {
      expect(sectionOf('budget')).toMatch(new RegExp(`<tr( class="(held)?")?><td>${b.channel}</td><td class="num">[^<]*</td><td class="num">${usd(b.recommended).replace('$', '\\$')}</td>`));
      if (b.binding !== 'total') expect(sectionOf('budget')).toMatch(new RegExp(`<tr class="held"><td>${b.channel}</td>`));
    }
    const request = await db.pool.query('select required_approvers from approval_requests where run_id = $1', [runId]);
    expect(sectionOf('budget')).toContain(request.rows[0].required_approvers === 0 ? 'Nothing needs sign-off' : `Waits for <strong>${request.rows[0].required_approvers}</strong>`);
    expect(sectionOf('decision')).toMatch(/acvloop approve report-1 --reviewer NAME/);
  });

  it('shows each channel\'s ROI with the interval of the same bootstrap draws as its incremental ACV', async () => {
    const inc = await db.pool.query('select channel, spend_usd, low, high from incrementality where run_id = $1 order by channel', [runId]);
    expect(inc.rowCount).toBeGreaterThan(0);
    const section = sectionOf('attribution');
    for (const i of inc.rows) {
      // ROI is incremental ACV over a fixed spend, so its P10/P90 are incremental ACV's divided by the spend
      // (a closed form, not the stored number); the page shows two decimals.
      const m = new RegExp(`<td>${i.channel}</td>(?:<td[^>]*>[^<]*</td>){4}<td>(-?[\\d.]+) – (-?[\\d.]+)</td>`).exec(section);
      expect(m, i.channel).not.toBeNull();
      expect(Math.abs(Number(m![1]) - i.low / i.spend_usd), i.channel).toBeLessThanOrEqual(0.0051);
      expect(Math.abs(Number(m![2]) - i.high / i.spend_usd), i.channel).toBeLessThanOrEqual(0.0051);
    }
  });

  it('shows the lineage Postgres holds as a table alone, a row per stage that completed, saying why the monthly cycle\'s graph is not drawn', async () => {
    const stored = await db.pool.query(`select distinct job from lineage_events where run_id = $1 and event_type = 'COMPLETE'`, [runId]);
    const lineage = sectionOf('lineage');
    expect(stored.rowCount).toBeGreaterThan(5);
    for (const { job } of stored.rows) expect(lineage.match(new RegExp(`<tr><td>${job.replace('monthly_cycle.', '')}</td>`, 'g')), job).toHaveLength(1);
    // The whole cycle's graph tangles past the measured threshold: no graph, the table not folded away, and the reason in numbers.
    expect(lineage).not.toMatch(/<svg/);
    expect(lineage).not.toMatch(/<details>/);
    expect(lineage).toMatch(/The graph of this run is not drawn: its \d+ arrows would cross \d+ times\s+\([\d.]+ per arrow, past the 1 at which an arrow can still be followed\)/);
    const files = await db.pool.query('select file from ingest_files f join run_batches b using (batch_id) where b.run_id = $1 order by file', [runId]);
    const ingestRow = /<tr><td>ingest<\/td><td>([^<]*)<\/td>/.exec(lineage)![1].split(', ').sort();
    expect(ingestRow).toEqual(files.rows.map((f) => f.file).sort());
  });

  it('opens with the decision: the first section says what is asked, as Postgres holds it, and where each channel\'s ROI stands against 1', async () => {
    expect(html).toMatch(/<main><section id="summary"><h2>The decision<\/h2>/);
    const summary = sectionOf('summary');
    const request = (await db.pool.query('select required_approvers, sign_off from approval_requests where run_id = $1', [runId])).rows[0];
    if (request.required_approvers === 0) expect(summary).toContain('Nothing needs sign-off');
    else expect(summary).toContain(`${request.required_approvers} approver${request.required_approvers === 1 ? '' : 's'} must sign off on:`);
    for (const family of request.sign_off.promotion) expect(summary).toMatch(new RegExp(`Promote the new [a-z_, ]*\\b${family}\\b[a-z_, ]* models?`));
    if (request.sign_off.budget.share !== null) expect(summary).toContain(`Apply the budget move of ${(request.sign_off.budget.share * 100).toFixed(1)}% of monthly spend`);
    expect(summary).toContain('No earlier approved run to compare with: this is the first.');
    const inc = await db.pool.query(`select channel, (detail->'roi'->>'p10')::float8 as lo, (detail->'roi'->>'p90')::float8 as hi from incrementality where run_id = $1 and roi is not null`, [runId]);
    expect(inc.rowCount).toBeGreaterThan(0);
    for (const i of inc.rows) {
      const standing = i.lo > 1 ? 'above break-even' : i.hi < 1 ? 'below break-even' : 'cannot tell';
      expect(summary, i.channel).toMatch(new RegExp(`<td>${i.channel}</td><td class="num">[\\d.]+</td><td>[\\d.]+ – [\\d.]+</td><td>${standing}</td>`));
    }
    // The summary comes before the files and their hashes.
    expect(html.indexOf('id="summary"')).toBeLessThan(html.indexOf('id="read"'));
  });

  it('writes a p-value that underflowed to 0 as < 1e-300, not 0.0e+0', async () => {
    await db.pool.query(`insert into drift_features (run_id, source, feature, kind, method, statistic, p_value, psi, threshold, drifted, reference_run_id, detail)
      values ($1, 'spend', 'zz_underflow', 'number', 'ks', 0.97, 0, null, 0.05, true, null, '{}')`, [runId]);
    try {
      const page = await buildRunReport(db, runId);
      expect(page).toMatch(/<td>zz_underflow<\/td><td>ks<\/td><td class="num">0\.970<\/td><td class="num">&lt; 1e-300<\/td>/);
      expect(/<section id="governance">[\s\S]*?<\/section>/.exec(page)![0]).not.toMatch(/e\+0/);
    } finally {
      await db.pool.query(`delete from drift_features where run_id = $1 and feature = 'zz_underflow'`, [runId]);
    }
  });

  it('draws the LTV histogram on a linear axis of dollars and names the tail beyond it', () => {
    const renewals = sectionOf('renewals');
    expect(renewals).not.toMatch(/log10/);
    expect(renewals).toMatch(/LTV P50 \(USD\)/);
    expect(renewals).toMatch(/\d+ of \d+ contracts lie beyond the axis(?:'|&#39;|&apos;)s end at \$[\d,]+ \(the 95th percentile\)|All \d+ contracts/);
  });

  it("shows the KPI against its bands and the company's own trailing twelve months, and every drift verdict with its reason (issue 12)", () => {
    expect(sectionOf('kpi')).toMatch(/Bands: (strong|moderate|underperforming) \(strong ≥ \$1,000,000, moderate ≥ \$500,000\)\. Against the company(?:'|&#39;)s own trailing 12 months, \d{4}-\d{2} – \d{4}-\d{2}: \$[\d,]+ per lead over \d+ leads/);
    const rows = [...sectionOf('governance').matchAll(/<td>(yes|no)<\/td><td>((?:not )?drifted): ([^<]*)<\/td>/g)];
    expect(rows.length).toBeGreaterThan(0);
    for (const [, shown, verdict, why] of rows) {
      expect(verdict, why).toBe(shown === 'yes' ? 'drifted' : 'not drifted');
      // A PSI over the 0.25 drift level beside a "not drifted" always says why it did not count.
      const psi = /PSI ([\d.e+-]+)/.exec(why);
      if (verdict === 'not drifted' && psi && Number(psi[1]) >= 0.25) expect(why).toMatch(/not counted: /);
    }
  });

  it('escapes what the drop and the reviewers wrote', async () => {
    await db.pool.query(`insert into approval_decisions (run_id, reviewer, decision, reason, decided_at) values ($1, '<b>eve</b>', 'rejected', '<script>alert(1)</script>', now())`, [runId]);
    const page = await buildRunReport(db, runId);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toMatch(/<script/i);
  });

  it('proposes the next lift tests, most valuable first, without storing them (issue 13)', async () => {
    const body = sectionOf('experiments');
    const plan = await experimentPlan(db, runId, { store: false });
    if (plan.tests === null) throw new Error(plan.reason);
    expect(plan.tests.length).toBeGreaterThan(0);
    const rows = [...body.matchAll(/<tr><td class="num">(\d+)<\/td><td>([^<]+)<\/td>/g)].map((m) => [Number(m[1]), m[2]]);
    expect(rows).toEqual(plan.tests.map((t) => [t.rank, t.channel]));
    for (const t of plan.tests) expect(body).toContain(`${t.intervalNow[0].toFixed(2)} – ${t.intervalNow[1].toFixed(2)}`);
    expect(body).toContain('value of information');
    // The page only reads: the plan is stored by `acvloop experiments plan`.
    expect((await db.pool.query('select count(*)::int as n from experiment_plans where run_id = $1', [runId])).rows[0].n).toBe(0);
  });

  it('says what the incrementality estimate assumes, with the stored fit\'s numbers, and the forecast coverage beside its target (issue 13)', async () => {
    const body = sectionOf('assumptions');
    const { params } = (await db.pool.query(`select params from model_versions where run_id = $1 and family = 'incrementality'`, [runId])).rows[0];
    expect(body).toContain(`Learned from ${params.months.length} months, ${params.months[0]} to ${params.months[params.months.length - 1]}.`);
    expect(body).toContain('ridge penalty');
    for (const [channel, t] of Object.entries(params.transforms as Record<string, { decay: number }>)) {
      const item = new RegExp(`<li[^>]*><strong>${channel}</strong>: ([^<]*)</li>`).exec(body)![1];
      expect(item, channel).toContain(t.decay > 0 ? `about ${Math.round(t.decay * 100)}% of a month&#39;s effect carries into the next` : 'nothing carries into the next');
    }
    const coverage = (await db.pool.query(`select value from backtests where run_id = $1 and role = 'challenger' and metric = 'forecast_coverage80'`, [runId])).rows[0].value;
    expect(sectionOf('forecast')).toMatch(/The forecast made from this estimate uses the same \d+ refits/);
    expect(sectionOf('forecast')).toContain(`the 80% range held ${Math.round(coverage * 100)}% of actual months, target 80%; the gate asks at least 50%`);
    expect(html).toMatch(/<nav>.*<a href="#assumptions">assumptions<\/a>.*<\/nav>/);
  });
});

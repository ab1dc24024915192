/**
 * Pilot runs (issue 17, part 6) on real Postgres: an organisation-wide run of
 * a drop is scored, approved and published; then a pilot of the same drop
 * scoped to region=EMEA goes through every stage, is approved and published.
 * Checked against the drop's own CSV files read here: the pilot scores only
 * the live contracts (and the accounts) of accounts whose top parent,
 * followed here through accounts.csv's parent links, is in EMEA, all of
 * them; its spend is each channel-month's spend times EMEA's share of the
 * channel-month's touches; its gate and publish move no alias and apply no
 * budget; the organisation-wide run's outputs are untouched; and a pilot is
 * never taken for the last approved run.
 */
import { readCohortWhatIf } from '../../queries/whatif';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { runActivities } from '../../activities/runs';
import { asOfDate } from '../../lib/dates';
import { runIdFor } from '../../workflows/run-id';
import { resolveSourceScope, readScopedSourceRows } from '../../store/pilot-scope';
import { latestValidatedRunBefore, previousApprovedRun, registeredRun } from '../../store/runs';
import { fxRateOf } from '../helpers/fx';
import { pilotOverview } from '../../queries/pilot';
import { pilotSectionHtml } from '../../report/pilot-section';
import { pilotLines } from '../../cli/pilot-lines';
import { readRun } from '../../queries/run-report';
import { buildRunReport } from '../../report/html';
import { acvloop } from '../helpers/cli';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { batchOfRun, callStage, csvObjects, depsFor, fingerprint, RUN_TABLES, STAGES, type TestDb, type TestDrop } from './support';

let db: TestDb;
let drop: TestDrop;
let ORG: string;
let PILOT: string;
const SCOPE = { region: 'EMEA' };
let csv: Record<'accounts' | 'contracts' | 'touchpoints' | 'spend' | 'fx_rates', Record<string, string>[]>;
/** Each account's top parent, followed through parent_account_id here. */
let topParent: Map<string, string>;
/** The accounts whose top parent is in EMEA. */
let inScope: Set<string>;
let orgBefore: Record<string, { n: number; hash: string }>;
let aliasEventsBeforePilot: number;

async function register(runId: string, scope?: typeof SCOPE) {
  await runActivities(depsFor(db)).registerRun({
    runId, month: drop.month, dropPath: drop.dir, dropSha256: drop.sha256, version: 1, requestedBy: 'tester', workflowRunId: `wf-${runId}`,
    ...(scope ? { scope } : {}),
  });
}

async function approveAndPublish(runId: string) {
  await runActivities(depsFor(db)).recordDecision({ runId, decision: 'approved', reviewer: 'erin', reason: null, at: new Date().toISOString() });
  await createActivities(depsFor(db)).publish({ runId });
}

const orgOutputs = async () => Object.fromEntries(await Promise.all(
  [...new Set(RUN_TABLES)].map(async (t) => [t, await fingerprint(db, t, 'run_id = $1', [ORG])] as const)));
const aliasEvents = async () => Number((await db.pool.query('select count(*) as n from model_alias_events')).rows[0].n);

beforeAll(async () => {
  db = await suiteDb('act_pilot');
  drop = await smallDrop({ seed: 11, accounts: 600, months: 30 });
  ORG = runIdFor(drop.month, drop.sha256, 1);
  PILOT = runIdFor(drop.month, drop.sha256, 1, SCOPE);
  const read = (f: string) => csvObjects(path.join(drop.dir, `${f}.csv`));
  csv = { accounts: read('accounts'), contracts: read('contracts'), touchpoints: read('touchpoints'), spend: read('spend'), fx_rates: read('fx_rates') };
  const parent = new Map(csv.accounts.map((a) => [a.account_id, a.parent_account_id || null]));
  const top = (id: string): string => { let at = id; while (parent.get(at)) at = parent.get(at)!; return at; };
  topParent = new Map(csv.accounts.map((a) => [a.account_id, top(a.account_id)]));
  const region = new Map(csv.accounts.map((a) => [a.account_id, a.region]));
  inScope = new Set(csv.accounts.filter((a) => region.get(topParent.get(a.account_id)!) === 'EMEA').map((a) => a.account_id));

  await register(ORG);
  for (const stage of STAGES) await callStage(db, stage, ORG);
  await approveAndPublish(ORG);
  orgBefore = await orgOutputs();
  aliasEventsBeforePilot = await aliasEvents();

  await register(PILOT, SCOPE);
  for (const stage of STAGES) await callStage(db, stage, PILOT);
  await approveAndPublish(PILOT);
}, 900_000);

afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
});

describe('a pilot scoped to region=EMEA', () => {
  it('the drop has families that cross regions, so the top parent decides', () => {
    const regionOf = new Map(csv.accounts.map((a) => [a.account_id, a.region]));
    const emeaChildOutside = csv.accounts.filter((a) => a.region === 'EMEA' && !inScope.has(a.account_id));
    const otherChildInside = csv.accounts.filter((a) => a.region !== 'EMEA' && inScope.has(a.account_id));
    expect(emeaChildOutside.length + otherChildInside.length).toBeGreaterThan(0);
    expect(inScope.size).toBeGreaterThan(20);
    expect(inScope.size).toBeLessThan(csv.accounts.length / 2);
    expect([...inScope].every((id) => regionOf.get(topParent.get(id)!) === 'EMEA')).toBe(true);
  });

  it('is named and stored as a pilot', async () => {
    expect(PILOT).toBe(`${ORG}-pilot-region-emea`);
    expect((await registeredRun(db.db, PILOT)).scope).toEqual(SCOPE);
    expect((await registeredRun(db.db, ORG)).scope).toBeNull();
  });

  it('scores only the live contracts of accounts whose top parent is in EMEA, and every one of them', async () => {
    const asOf = asOfDate(drop.month);
    const renewed = new Set(csv.contracts.map((c) => c.previous_contract_id).filter(Boolean));
    const live = csv.contracts.filter((c) => c.start_date <= asOf && c.end_date >= asOf && !renewed.has(c.contract_id)
      && c.status !== 'churned' && c.status !== 'expired');
    const want = live.filter((c) => inScope.has(c.account_id)).map((c) => c.contract_id).sort();
    const scored = (await db.pool.query('select contract_id, account_id from contract_scores where run_id = $1 order by contract_id', [PILOT])).rows;
    expect(scored.every((r) => inScope.has(r.account_id))).toBe(true);
    expect(scored.map((r) => r.contract_id)).toEqual(want);
    expect(want.length).toBeGreaterThan(5);
    // The organisation-wide run scored all of them and more.
    const org = Number((await db.pool.query('select count(*) as n from contract_scores where run_id = $1', [ORG])).rows[0].n);
    expect(org).toBe(live.length);
    expect(org).toBeGreaterThan(want.length);
  });

  it('takes a cohort what-if over the contracts it scored, and its baseline is their stored scores', async () => {
    const segment = csv.accounts.find((a) => inScope.has(a.account_id))!.segment;
    const w = await readCohortWhatIf(db, PILOT, { segment }, { discountPct: 10 });
    const ids = w.contracts.map((c) => c.contractId);
    const scored = new Set((await db.pool.query('select contract_id from contract_scores where run_id = $1', [PILOT])).rows.map((r) => r.contract_id));
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => scored.has(id))).toBe(true);
    expect(w.reproducesScores).toBe(true);
  });

  it('ranks only accounts in EMEA families, as many as the organisation-wide run ranks of them', async () => {
    const rows = async (runId: string) => (await db.pool.query('select account_id from account_scores where run_id = $1', [runId])).rows.map((r) => r.account_id as string);
    const pilot = await rows(PILOT);
    const org = await rows(ORG);
    expect(pilot.length).toBeGreaterThan(0);
    expect(pilot.every((id) => inScope.has(id))).toBe(true);
    // Both rank every account of their book at the same level: the pilot's are the org run's in scope.
    expect(pilot.sort()).toEqual(org.filter((id) => inScope.has(id)).sort());
  });

  it('reads each channel-month\'s spend times EMEA\'s share of its touches', async () => {
    const batchId = await batchOfRun(db, PILOT);
    const scope = await resolveSourceScope(db, PILOT, batchId, SCOPE);
    expect(scope.accounts).toEqual([...inScope].sort());
    const { spend, touchpoints } = await readScopedSourceRows(db, batchId, ['spend', 'touchpoints'], undefined, scope);
    expect(touchpoints.every((t) => inScope.has(t.account_id))).toBe(true);
    expect(touchpoints.length).toBe(csv.touchpoints.filter((t) => inScope.has(t.account_id)).length);
    const touches = new Map<string, { all: number; emea: number }>();
    for (const t of csv.touchpoints) {
      const key = `${t.channel}|${new Date(t.occurred_at).toISOString().slice(0, 7)}`;
      const c = touches.get(key) ?? touches.set(key, { all: 0, emea: 0 }).get(key)!;
      c.all++;
      if (inScope.has(t.account_id)) c.emea++;
    }
    const rate = fxRateOf(csv.fx_rates);
    let checked = 0;
    for (const s of csv.spend) {
      const c = touches.get(`${s.channel}|${s.month}`);
      if (!c) continue;
      const got = spend.find((r) => r.channel === s.channel && r.month === s.month)!;
      expect(got.amount_usd).toBeCloseTo(Number(s.amount) * rate(s.currency, s.month) * c.emea / c.all, 2);
      checked++;
    }
    expect(checked).toBeGreaterThan(csv.spend.length / 2);
  });

  it('resolves campaign scopes to the families their touches reached, alone and with a region', async () => {
    const batchId = await batchOfRun(db, ORG);
    const byCampaign = new Map<string, number>();
    for (const t of csv.touchpoints) if (t.campaign_id) byCampaign.set(t.campaign_id, (byCampaign.get(t.campaign_id) ?? 0) + 1);
    const campaigns = [...byCampaign].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([c]) => c);
    const touches = csv.touchpoints.filter((t) => campaigns.includes(t.campaign_id));
    const families = new Set(touches.map((t) => topParent.get(t.account_id)!));
    const want = csv.accounts.map((a) => a.account_id).filter((id) => families.has(topParent.get(id)!)).sort();
    // Resolved in the organisation-wide run's account graph: the same batch, the same top parents.
    const alone = await resolveSourceScope(db, ORG, batchId, { campaigns });
    expect(alone.accounts).toEqual(want);
    expect(want.length).toBeLessThan(csv.accounts.length);
    const rows = await readScopedSourceRows(db, batchId, ['touchpoints', 'spend'], undefined, alone);
    expect(rows.touchpoints.map((t) => t.touchpoint_id).sort()).toEqual(touches.map((t) => t.touchpoint_id).sort());
    const withRegion = await resolveSourceScope(db, ORG, batchId, { region: 'emea', campaigns });
    expect(withRegion.accounts).toEqual(want.filter((id) => inScope.has(id)));
    // Spend of a campaign pilot: the campaigns' share of each channel-month's touches.
    const month = (t: Record<string, string>) => new Date(t.occurred_at).toISOString().slice(0, 7);
    const rate = fxRateOf(csv.fx_rates);
    const busiest = touches[0];
    const cell = (t: Record<string, string>) => t.channel === busiest.channel && month(t) === month(busiest);
    const share = touches.filter(cell).length / csv.touchpoints.filter(cell).length;
    const source = csv.spend.find((x) => x.channel === busiest.channel && x.month === month(busiest))!;
    const got = rows.spend.find((x) => x.channel === busiest.channel && x.month === month(busiest))!;
    expect(share).toBeGreaterThan(0);
    expect(got.amount_usd).toBeCloseTo(Number(source.amount) * rate(source.currency, source.month) * share, 2);
  });

  it('scales each lift test by the scope\'s share of its channel\'s touches over the test\'s months', async () => {
    const withTests = await smallDrop({ seed: 5, accounts: 300, months: 24, experiments: true });
    try {
      const runId = 'pilot-lift-tests';
      await runActivities(depsFor(db)).registerRun({ runId, month: withTests.month, dropPath: withTests.dir, dropSha256: withTests.sha256,
        version: 1, requestedBy: 'tester', workflowRunId: `wf-${runId}`, scope: SCOPE });
      for (const stage of STAGES.slice(0, STAGES.indexOf('buildGraph') + 1)) await callStage(db, stage, runId);
      const batchId = await batchOfRun(db, runId);
      const read = (f: string) => csvObjects(path.join(withTests.dir, `${f}.csv`));
      const [accounts, touchpoints, experiments] = [read('accounts'), read('touchpoints'), read('experiments')];
      const parent = new Map(accounts.map((a) => [a.account_id, a.parent_account_id || null]));
      const top = (id: string): string => { let at = id; while (parent.get(at)) at = parent.get(at)!; return at; };
      const region = new Map(accounts.map((a) => [a.account_id, a.region]));
      const emea = (id: string) => region.get(top(id)) === 'EMEA';
      const scope = await resolveSourceScope(db, runId, batchId, SCOPE);
      const { experiments: scaled } = await readScopedSourceRows(db, batchId, ['experiments'], undefined, scope);
      expect(experiments.length).toBeGreaterThan(0);
      expect(scaled.length).toBe(experiments.length);
      for (const e of experiments) {
        const utcMonth = (t: Record<string, string>) => new Date(t.occurred_at).toISOString().slice(0, 7);
        const during = touchpoints.filter((t) => t.channel === e.channel && utcMonth(t) >= e.start && utcMonth(t) <= e.end);
        const share = during.filter((t) => emea(t.account_id)).length / during.length;
        const got = scaled.find((x) => x.channel === e.channel && x.start === e.start)!;
        expect(got.incremental_acv).toBeCloseTo(Number(e.incremental_acv) * share, 4);
        expect(got.stderr).toBeCloseTo(Number(e.stderr) * share, 4);
      }
    } finally {
      withTests.cleanup();
    }
  }, 300_000);

  it('moves no alias and applies no budget, and says it published as a pilot', async () => {
    expect(await aliasEvents()).toBe(aliasEventsBeforePilot);
    const audit = (await db.pool.query('select action from audit_log where run_id = $1', [PILOT])).rows.map((r) => r.action);
    expect(audit).toContain('pilot.published');
    expect(audit).not.toContain('budget.applied');
    expect(audit.filter((a: string) => a.startsWith('alias.'))).toEqual([]);
    const pub = (await db.pool.query('select outputs from publications where run_id = $1', [PILOT])).rows[0].outputs;
    expect(pub).toMatchObject({ promoted: [], pilot: SCOPE });
    // The organisation-wide run did move them: the check above can fail.
    const orgAudit = (await db.pool.query('select action from audit_log where run_id = $1', [ORG])).rows.map((r) => r.action);
    expect(orgAudit.some((a: string) => a.startsWith('alias.'))).toBe(true);
  });

  it('leaves the organisation-wide run\'s outputs as they were', async () => {
    expect(await orgOutputs()).toEqual(orgBefore);
  });

  it('is shown with its scope and its KPIs beside the organisation-wide last approved run\'s', async () => {
    expect(await pilotOverview(db, await registeredRun(db.db, ORG))).toBeNull();
    const overview = (await pilotOverview(db, await registeredRun(db.db, PILOT)))!;
    expect(overview).toMatchObject({ described: 'region=EMEA', scope: SCOPE, orgWide: { runId: ORG, month: drop.month } });
    const overall = async (runId: string) => Object.fromEntries((await db.pool.query(
      `select name, value from kpis where run_id = $1 and dimension = 'all'`, [runId])).rows.map((r) => [r.name, r.value === null ? null : Number(r.value)]));
    const [pilot, org] = [await overall(PILOT), await overall(ORG)];
    expect(overview.kpis.map((k) => k.name)).toContain('acv_from_marketing_leads');
    for (const k of overview.kpis) expect([k.pilot, k.orgWide]).toEqual([pilot[k.name] ?? null, org[k.name] ?? null]);
    // The two runs are different books: at least one KPI differs.
    expect(overview.kpis.some((k) => k.pilot !== k.orgWide)).toBe(true);
    const perDollar = async (runId: string) => Object.fromEntries((await db.pool.query(
      `select key, value from kpis where run_id = $1 and name = 'acv_per_dollar' and dimension = 'channel'`, [runId])).rows.map((r) => [r.key, r.value === null ? null : Number(r.value)]));
    const [pilotPd, orgPd] = [await perDollar(PILOT), await perDollar(ORG)];
    expect(overview.acvPerDollar.length).toBeGreaterThan(0);
    expect(overview.acvPerDollar.map((c) => c.channel).sort()).toEqual([...new Set([...Object.keys(pilotPd), ...Object.keys(orgPd)])].sort());
    for (const c of overview.acvPerDollar) expect([c.pilot, c.orgWide]).toEqual([pilotPd[c.channel] ?? null, orgPd[c.channel] ?? null]);
    const scored = (runId: string) => db.pool.query('select count(*)::int as n from contract_scores where run_id = $1', [runId]).then((r) => r.rows[0].n);
    expect(overview.contractsScored).toEqual({ pilot: await scored(PILOT), orgWide: await scored(ORG) });
  });

  it('says so in show\'s lines and the report\'s section, with the organisation-wide run beside it', async () => {
    const overview = (await pilotOverview(db, await registeredRun(db.db, PILOT)))!;
    const text = pilotLines(overview).join('\n');
    expect(text).toMatch(/^Pilot run on region=EMEA: its own outputs only; the organisation-wide champion and budget stay/);
    expect(text).toContain(`organisation-wide last approved run ${ORG} (${drop.month})`);
    expect(text).toContain('acv from marketing leads');
    const html = pilotSectionHtml(overview);
    expect(html).toContain('A pilot on region=EMEA');
    expect(html).toContain(`<code>${ORG}</code>`);
    expect(pilotSectionHtml(null)).toBe('');
    // Escaped: a scope is the operator's text.
    expect(pilotSectionHtml({ ...overview, described: 'campaign=<b>x</b>' })).toContain('campaign=&lt;b&gt;x&lt;/b&gt;');
  });

  it('show, show --json and the report say it; an organisation-wide run says nothing of pilots', async () => {
    const env = { DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema };
    const json = await acvloop(['show', PILOT, '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).pilot).toEqual(JSON.parse(JSON.stringify(await pilotOverview(db, await registeredRun(db.db, PILOT)))));
    expect((await readRun(db, ORG)).pilot).toBeNull();
    const text = await acvloop(['show', PILOT], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n').slice(0, 3).join('\n')).toContain(`Run ${PILOT}`);
    expect(text.stdout).toContain('Pilot run on region=EMEA: its own outputs only');
    const orgText = await acvloop(['show', ORG], env);
    expect(orgText.stdout).not.toContain('Pilot run');
    const html = await buildRunReport(db, PILOT);
    expect(html).toContain('<section id="pilot"><h2>Pilot run</h2>');
    expect(await buildRunReport(db, ORG)).not.toContain('id="pilot"');
  });

  it('is never the last approved or validated run', async () => {
    const pilot = await registeredRun(db.db, PILOT);
    expect((await latestValidatedRunBefore(db.db, '2026-11', { approved: true }))?.run_id).toBe(ORG);
    expect((await latestValidatedRunBefore(db.db, '2026-11', { approved: false }))?.run_id).toBe(ORG);
    expect((await previousApprovedRun(db.db, { run_id: 'later', month: '2026-11', created_at: pilot.created_at }))?.run_id).toBe(ORG);
  });
});

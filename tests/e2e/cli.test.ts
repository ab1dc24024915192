import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { suiteDb } from '../helpers/db';
import { acvloop, runSync, startWorkerProcess } from '../helpers/cli';

let db: Awaited<ReturnType<typeof suiteDb>>;
let worker: ChildProcess;
let env: NodeJS.ProcessEnv;
const dropDir = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-e2e-'));

beforeAll(async () => {
  db = await suiteDb('e2e');
  env = {
    DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema, TEMPORAL_ADDRESS: inject('temporalAddress'),
    ACVLOOP_TASK_QUEUE: `e2e-${db.schema}`,
  };
  worker = startWorkerProcess(env);
});

afterAll(async () => {
  worker?.kill('SIGTERM');
  await db?.drop();
  fs.rmSync(dropDir, { recursive: true, force: true });
});

async function statusOf(runId: string) {
  const r = await acvloop(['status', runId, '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('the acvloop command, as a user runs it', () => {
  it('has --help for every subcommand', async () => {
    for (const sub of ['db migrate', 'generate', 'validate', 'worker', 'run', 'status', 'approve', 'reject', 'show', 'scores', 'demo',
      'models list', 'models show', 'models promote', 'models rollback', 'audit', 'lineage', 'contracts export', 'contracts check', 'schedule create',
      'schedule backfill', 'dispute', 'forecast', 'report']) {
      const r = await acvloop([...sub.split(' '), '--help']);
      expect(r.code, sub).toBe(0);
      expect(r.stdout).toMatch(/Usage: acvloop/);
    }
  });

  it('migrates idempotently', async () => {
    // --no-roles: roles are cluster-wide and this suite would leave its pair behind (tests/sql/roles.test.ts sets them up and drops them).
    const first = await acvloop(['db', 'migrate', '--no-roles', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).applied).toEqual([]); // the suite schema is already migrated
  });

  it('generates, validates, runs, is approved with the temporal CLI, and shows the results', async () => {
    const gen = await acvloop(['generate', '--out', dropDir, '--seed', '3', '--accounts', '300', '--months', '24', '--json'], env);
    expect(gen.code, gen.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dropDir, 'truth.json'), 'utf8')).months).toEqual(['2024-11', '2026-10']);

    const val = await acvloop(['validate', '--drop', dropDir, '--json']);
    expect(val.code).toBe(0);
    const report = JSON.parse(val.stdout);
    expect(report.ok).toBe(true);
    expect(Object.keys(report)).toEqual(['ok', 'errors', 'files', 'quarantine']);

    const run = await acvloop(['run', '--month', '2026-10', '--drop', dropDir, '--requested-by', 'alice', '--wait', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const { runId, status } = JSON.parse(run.stdout);
    expect(status).toBe('awaiting_approval');

    const again = await acvloop(['run', '--month', '2026-10', '--drop', dropDir, '--requested-by', 'alice'], env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already run on this drop.*--rerun/);
    expect(again.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const st = await statusOf(runId);
    expect(st).toMatchObject({ runId, month: '2026-10', status: 'awaiting_approval' });
    expect(st.stages.map((s: { name: string }) => s.name)).toEqual(['ingest', 'validate', 'lineage', 'drift', 'graph', 'retrain', 'backtest', 'gate', 'score', 'approval', 'publish']);

    const self = await acvloop(['approve', runId, '--reviewer', 'alice'], env);
    expect(self.code).not.toBe(0);
    expect(self.stderr).toMatch(/alice requested this run/);

    // A reviewer without acvloop: the real temporal CLI sends the same Update.
    const t = runSync(inject('temporalCli'), ['workflow', 'update', 'execute', '--address', env.TEMPORAL_ADDRESS!,
      '--workflow-id', runId, '--name', 'decide', '--input', JSON.stringify({ decision: 'approve', reviewer: 'bob', reason: 'checked the budget' })]);
    expect(t.code, t.stderr + t.stdout).toBe(0);

    let final = await statusOf(runId);
    for (let i = 0; i < 100 && final.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      final = await statusOf(runId);
    }
    expect(final.status).toBe('completed');

    const show = await acvloop(['show', runId, '--json'], env);
    expect(show.code, show.stderr).toBe(0);
    const s = JSON.parse(show.stdout);
    expect(s).toMatchObject({ runId, month: '2026-10', status: 'completed', approval: { decision: 'approved', reviewer: 'bob', reason: 'checked the budget' } });
    expect(s.ingest.files.map((f: { file: string }) => f.file)).toContain('touchpoints.csv');
    for (const f of s.ingest.files) expect(f.rowsAccepted + f.rowsQuarantined).toBe(f.rowsRead);
    expect(Object.keys(s.attribution).sort()).toEqual(['first', 'last', 'linear', 'markov', 'position', 'shapley', 'shapley_simplified', 'time-decay']);
    // Every model credits the same won ACV (tolerance $1 on the sum).
    const credited = (m: string) => Object.values<number>(s.attribution[m]).reduce((a, b) => a + b, 0);
    for (const m of Object.keys(s.attribution)) expect(Math.abs(credited(m) - credited('first'))).toBeLessThan(1);
    expect(Object.keys(s.removalEffects.new).length).toBeGreaterThan(0);
    expect(Object.keys(s.incrementality).length).toBeGreaterThan(0);
    for (const inc of Object.values<any>(s.incrementality)) {
      for (const k of ['spend', 'incrementalAcv', 'low', 'high', 'roi', 'mroi']) expect(inc).toHaveProperty(k);
      expect(inc.low).toBeLessThanOrEqual(inc.high);
      // Every channel says whether the data can tell its effect apart (issue 13); the default world's spend varies channel by channel.
      expect(inc.identifiability).toEqual({ identified: true, reasons: [] });
    }
    expect(s.kpis.acv_from_marketing_leads.value).toBeGreaterThan(0);
    expect(s.kpis.acv_from_marketing_leads_net_of_churn.value).toBeLessThanOrEqual(s.kpis.acv_from_marketing_leads.value);
    expect(s.contracts.scored).toBeGreaterThan(0);
    expect(Object.keys(s.renewals.survival)).toContain('all');
    expect([...new Set(s.forecast.map((f: any) => f.scenario))].sort()).toEqual(['as_is', 'recommended']);
    expect(s.forecastTotals.map((t: any) => `${t.scenario}/${t.horizonMonths}`).sort()).toEqual(
      ['as_is/12', 'as_is/3', 'as_is/6', 'recommended/12', 'recommended/3', 'recommended/6']);
    expect(Object.values(s.budget).every((b: any) => typeof b.current === 'number' && typeof b.recommended === 'number' && typeof b.binding === 'string')).toBe(true);
    // The budget keeps the total (guardrail: total budget; tolerance 1 cent per channel).
    const sumOf = (k: string) => Object.values<any>(s.budget).reduce((a, b) => a + b[k], 0);
    expect(Math.abs(sumOf('recommended') - sumOf('current'))).toBeLessThan(0.01 * Object.keys(s.budget).length + 0.01);

    // A user's spend plan, forecast from the run's own fit and seed: its as-is numbers are the stored ones (to the cent),
    // an unchanged plan equals as-is exactly, and cutting every channel to zero cannot raise the forecast.
    const same = JSON.parse((await acvloop(['forecast', runId, '--scale', '1', '--json'], env)).stdout);
    const byName = (r: any, name: string) => r.scenarios.find((x: any) => x.scenario === name);
    for (const t of byName(same, 'as_is').totals) {
      const stored = s.forecastTotals.find((f: any) => f.scenario === 'as_is' && f.horizonMonths === t.horizon);
      expect(Math.abs(t.point - stored.mean)).toBeLessThan(0.01);
    }
    expect(byName(same, 'user').totals).toEqual(byName(same, 'as_is').totals);
    const channels = Object.keys(byName(same, 'as_is').monthlySpend);
    const none = JSON.parse((await acvloop(['forecast', runId, '--spend', channels.map((c) => `${c}=0`).join(','), '--json'], env)).stdout);
    const twelve = (r: any, name: string) => byName(r, name).totals.find((t: any) => t.horizon === 12);
    expect(twelve(none, 'user').point).toBeLessThanOrEqual(twelve(none, 'as_is').point);
    expect(twelve(none, 'user').spend).toBe(0);
    const bad = await acvloop(['forecast', runId, '--spend', 'no_such_channel=5'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no channel "no_such_channel"/);

    const csv = await acvloop(['scores', runId, '--csv'], env);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('contract_id,account_id,renewal_probability,next_renewal_date,ltv_mean,ltv_p10,ltv_p50,ltv_p90,projected_arr,expected_expansion,ltv_outcomes');
    expect(lines.length - 1).toBe(s.contracts.scored);
    // Every row says how many values its LTV can take; a tie of P50 and P90 only where there are few.
    const scores = JSON.parse((await acvloop(['scores', runId, '--json'], env)).stdout);
    for (const row of scores) expect(row.ltv_outcomes).toBeGreaterThanOrEqual(1);

    // Issue 12: the estimate inside its own intervals whatever the plan, up to 20 times the as-is spend.
    for (const scale of ['0', '3', '10', '20']) {
      const f = JSON.parse((await acvloop(['forecast', runId, '--scale', scale, '--json'], env)).stdout);
      for (const t of byName(f, 'user').totals) expect([t.lower95, t.lower80, t.point, t.upper80], `scale ${scale}`).toEqual([...[t.lower95, t.lower80, t.point, t.upper80]].sort((a, b) => a - b));
      for (const t of byName(f, 'user').totals) expect(t.upper80, `scale ${scale}`).toBeLessThanOrEqual(t.upper95);
    }

    // The KPI beside its bands (the defaults: no kpi key in this run's config) and the company's own trailing twelve months.
    expect(s.kpis.acv_from_marketing_leads.thresholds).toEqual({ strong: 1_000_000, moderate: 500_000 });
    expect(s.kpis.acv_from_marketing_leads.history).toMatchObject({ window: { from: '2025-10', to: '2026-09' }, value: expect.any(Number) });
    const text = await acvloop(['show', runId], env);
    expect(text.stdout).toMatch(/against the company's own trailing 12 months, 2025-10 – 2026-09: \$[\d,]+ per lead over \d+ leads/);

    const rerun = await acvloop(['run', '--month', '2026-10', '--drop', dropDir, '--requested-by', 'alice', '--rerun', '--json'], env);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout).runId).toBe(runId.replace(/-v1$/, '-v2'));
  });

  it('runs with a config: only its approvers decide, two are needed, and a refusal is audited', async () => {
    const configFile = path.join(dropDir, '..', `${path.basename(dropDir)}-config.json`);
    fs.writeFileSync(configFile, JSON.stringify({
      reviewers: [{ name: 'erin', roles: ['approver'] }, { name: 'gus', roles: ['viewer'] }, { name: 'hal', roles: ['approver'] }],
      approvals: { required: 2 },
    }));
    try {
      const run = await acvloop(['run', '--month', '2026-10', '--drop', dropDir, '--requested-by', 'alice', '--rerun', '--config', configFile, '--wait', '--json'], env);
      expect(run.code, run.stderr).toBe(0);
      const { runId, status } = JSON.parse(run.stdout);
      expect(status).toBe('awaiting_approval');

      const viewer = await acvloop(['approve', runId, '--reviewer', 'gus'], env);
      expect(viewer.code).toBe(1);
      expect(viewer.stderr).toMatch(/^acvloop: decision refused: gus is a viewer in the run's config; only an approver may decide\n$/);
      const refused = JSON.parse((await acvloop(['audit', '--run', runId, '--action', 'decision.refused', '--json'], env)).stdout).entries;
      expect(refused).toEqual([expect.objectContaining({ actor: 'gus', action: 'decision.refused', reason: "gus is a viewer in the run's config; only an approver may decide" })]);

      const first = await acvloop(['approve', runId, '--reviewer', 'erin', '--reason', 'ROI table reconciles'], env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/approved by erin \(ROI table reconciles\); 1 more approval\(s\) needed from other approvers/);
      const waiting = await acvloop(['status', runId], env);
      expect(waiting.stdout).toMatch(/waits for 1 more approval\(s\) of 2 \(approved by erin\)/);

      expect((await acvloop(['approve', runId, '--reviewer', 'hal'], env)).code).toBe(0);
      let final = await statusOf(runId);
      for (let i = 0; i < 100 && final.status !== 'completed'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        final = await statusOf(runId);
      }
      expect(final.status).toBe('completed');
      const shown = JSON.parse((await acvloop(['show', runId, '--json'], env)).stdout);
      expect(shown.decisions.map((d: any) => d.reviewer)).toEqual(['erin', 'hal']);
      expect(shown.approval).toMatchObject({ decision: 'approved', reviewer: 'erin, hal' });
      expect(shown.approvalRequest.requiredApprovers).toBe(2);
    } finally {
      fs.rmSync(configFile, { force: true });
    }
  });

  it('says what is wrong with a bad drop, with file, line and rule, and exits 1', async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-bad-'));
    for (const f of fs.readdirSync(dropDir)) fs.copyFileSync(path.join(dropDir, f), path.join(bad, f));
    const opp = fs.readFileSync(path.join(bad, 'opportunities.csv'), 'utf8').split('\n');
    opp[1] = opp[1].replace(/^([^,]*),([^,]*),/, '$1,NO-SUCH-ACCOUNT,');
    fs.writeFileSync(path.join(bad, 'opportunities.csv'), opp.join('\n'));
    const ok = await acvloop(['validate', '--drop', bad, '--json']);
    const r = JSON.parse(ok.stdout);
    expect(ok.code).toBe(3); // one orphan row is quarantined; the drop still passes, with the exit code that says so
    expect(r.quarantine).toContainEqual(expect.objectContaining({ file: 'opportunities.csv', line: 2, column: 'account_id', value: 'NO-SUCH-ACCOUNT' }));

    fs.rmSync(path.join(bad, 'accounts.csv'));
    const failed = await acvloop(['run', '--month', '2026-10', '--drop', bad, '--requested-by', 'alice', '--wait'], env);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/✗ validate/);
    expect(failed.stdout).toMatch(/failed: validate failed: accounts\.csv/);
    const rejected = await acvloop(['validate', '--drop', bad, '--json']);
    expect(rejected.code).toBe(1);
    const rr = JSON.parse(rejected.stdout);
    expect(rr.ok).toBe(false);
    expect(rr.errors.join(' ')).toMatch(/accounts\.csv/);
    fs.rmSync(bad, { recursive: true, force: true });
  });
});

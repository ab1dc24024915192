/**
 * A drop with lift tests: they are validated into src_experiments and the
 * retrain stage's media-mix fit uses them (what they do to the estimate is
 * checked against a closed form in tests/models/mmm/mmm.test.ts); then
 * `acvloop experiments plan` proposes the next ones through the real CLI on
 * the stored run, its numbers checked against the drop's own files and the
 * run's stored model; `acvloop show` and the report say what each test did
 * to the model and whether it agreed (the comparison itself is checked in
 * tests/models/mmm-calibration.test.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDrop } from '../../generator';
import { acvloop } from '../helpers/cli';
import { experimentPlanInput } from '../../queries/experiment-plans';
import { planLiftTests, type LiftTestPlanInput } from '../../models/experiment-plan';
import { hashDrop } from '../../contracts/drop-hash';
import { createActivities } from '../../activities';
import { liftTestSignOff, requiredApprovers } from '../../activities/approval';
import { DEFAULT_CONFIG } from '../../config/schema';
import { buildRunReport } from '../../report/html';
import { suiteDb } from '../helpers/db';
import { batchOfRun, count, csvObjects, depsFor, registerRun, runAllStages, type TestDb } from './support';

let db: TestDb;
let dir: string;
const runId = 'experiments-1';

beforeAll(async () => {
  db = await suiteDb('act_experiments');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-exp-run-'));
  await generateDrop({ outDir: dir, seed: 5, accounts: 300, months: 30, experiments: true });
  // The first test is edited to ten times what it measured: a test far from the model, which the run must flag, not average away.
  const file = path.join(dir, 'experiments.csv');
  const [header, first, ...rest] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const cells = first.split(',');
  cells[3] = (10 * Number(cells[3])).toFixed(2);
  fs.writeFileSync(file, [header, cells.join(','), ...rest].join('\n') + '\n');
  await registerRun(db, runId, { dir, sha256: (await hashDrop(dir)).sha256, month: '2026-10' });
  await runAllStages(db, runId);
});
afterAll(async () => {
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('lift tests in the cycle', () => {
  it('land in src_experiments as the file gives them', async () => {
    const batch = await batchOfRun(db, runId);
    const stored = await db.db.selectFrom('src_experiments').selectAll().where('batch_id', '=', batch).orderBy('line').execute();
    const file = csvObjects(path.join(dir, 'experiments.csv'));
    expect(stored.map((r) => [r.channel, r.start, r.end, r.incremental_acv, r.stderr]))
      .toEqual(file.map((r) => [r.channel, r.start, r.end, Number(r.incremental_acv), Number(r.stderr)]));
    expect(await count(db, 'src_experiments')).toBe(file.length);
  });

  it('calibrate the media-mix model fitted by retrain', async () => {
    const v = await db.db.selectFrom('model_versions').select('metrics').where('model_version_id', '=', `${runId}/incrementality`).executeTakeFirstOrThrow();
    const used = (v.metrics as any).experiments.used;
    expect(used).toBeGreaterThan(0);
    expect(used + (v.metrics as any).experiments.ignored).toBe(3);
  });
});

const cliEnv = () => ({ DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema });
const Z = 1.959964 + 0.841621;

describe('acvloop experiments plan', () => {
  it('prints the next lift tests as JSON, ranked by value of information, with numbers from the stored run', async () => {
    const r = await acvloop(['experiments', 'plan', runId, '--json'], cliEnv());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { tests } = JSON.parse(r.stdout);
    expect(tests.length).toBeGreaterThan(1);
    for (const t of tests) {
      expect(Object.keys(t)).toEqual(expect.arrayContaining(['channel', 'design', 'holdoutShare', 'months', 'minimumDetectableLift', 'intervalNow',
        'intervalExpected', 'valueOfInformation', 'why']));
    }

    // Budget at stake: a year of the mean of the last three months of spend.csv, read independently.
    // In USD at the rate of the row's month or the latest earlier one (the spec's rule).
    const fx = csvObjects(path.join(dir, 'fx_rates.csv'));
    const rate = (month: string, ccy: string) => Number(fx.filter((f) => f.currency === ccy && f.month <= month).sort((a, b) => (a.month < b.month ? 1 : -1))[0].rate_to_usd);
    const spend = csvObjects(path.join(dir, 'spend.csv')).map((s) => ({ channel: s.channel, month: s.month, usd: Number(s.amount) * rate(s.month, s.currency) }));
    const months = ['2026-08', '2026-09', '2026-10'];
    const version = await db.db.selectFrom('model_versions').select('params').where('model_version_id', '=', `${runId}/incrementality`).executeTakeFirstOrThrow();
    const params = version.params as any;
    const incrementality = await db.db.selectFrom('incrementality').select(['channel', 'detail']).where('run_id', '=', runId).execute();
    for (const t of tests) {
      const monthly = spend.filter((s) => s.channel === t.channel && months.includes(s.month)).reduce((s, x) => s + x.usd, 0) / 3;
      expect(t.budgetAtStake).toBeCloseTo(12 * monthly, 0);
      const roi = (incrementality.find((i) => i.channel === t.channel)!.detail as any).roi;
      expect(t.intervalNow).toEqual([roi.p10, roi.p90]);
      expect(t.valueOfInformation).toBeCloseTo(12 * monthly * (roi.p90 - roi.p10), 0);
      expect(t.intervalExpected[1] - t.intervalExpected[0]).toBeLessThan(roi.p90 - roi.p10);
      // The closed form from the stored residual noise and ACV per opportunity.
      const sigma = params.residualSd * params.unitValue[t.channel];
      const expected = t.design === 'flighting'
        ? Z * sigma * Math.sqrt(1 / Math.ceil(t.months / 2) + 1 / Math.floor(t.months / 2)) * Math.ceil(t.months / 2)
        : Z * sigma * Math.sqrt(t.months) * Math.sqrt(1 / t.holdoutShare + 1 / (1 - t.holdoutShare));
      expect(t.minimumDetectableLift / expected).toBeCloseTo(1, 5);
    }
    // Ranked: unidentified channels first when the model flags them, then by value of information.
    const key = (t: any) => [t.identified === false ? 0 : 1, -t.valueOfInformation];
    const sorted = [...tests].sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
    expect(tests.map((t: any) => t.channel)).toEqual(sorted.map((t: any) => t.channel));
    // Events reach named accounts (every event touch is offline in the drop): an account holdout.
    const event = tests.find((t: any) => t.channel === 'event');
    if (event) expect(event.design).toBe('account_holdout');
    const search = tests.find((t: any) => t.channel === 'paid_search');
    if (search) expect(search.design).toBe('region_holdout');
    expect(event ?? search).toBeDefined();
  });

  it('stores the plan by run and gives the same plan again', async () => {
    const first = JSON.parse((await acvloop(['experiments', 'plan', runId, '--json'], cliEnv())).stdout);
    const rows = await db.db.selectFrom('experiment_plans').select(['channel', 'rank']).where('run_id', '=', runId).orderBy('rank').execute();
    expect(rows.map((r) => r.channel)).toEqual(first.tests.map((t: any) => t.channel));
    const again = await acvloop(['experiments', 'plan', runId, '--json'], cliEnv());
    expect(JSON.parse(again.stdout)).toEqual(first);
    const text = await acvloop(['experiments', 'plan', runId], cliEnv());
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(first.tests[0].channel);
    expect(text.stdout).toContain('value of information');
    // The stored plan is traced like every output of the run: to the drop's files through what it read.
    const lineage = JSON.parse((await acvloop(['lineage', runId, '--json'], cliEnv())).stdout);
    expect(lineage.runTables).toContain('experiment_plans');
    expect(lineage.gaps.unrecorded).not.toContain('experiment_plans');
    const planned = lineage.outputs.find((o: any) => o.table === 'experiment_plans');
    expect(planned.upstreamFiles.map((f: any) => f.file)).toEqual(expect.arrayContaining(['spend.csv', 'touchpoints.csv', 'accounts.csv']));
  });

  it('ranks a channel the model flags as not identified first, whatever its value of information', async () => {
    const before = planLiftTests(((await experimentPlanInput(db, runId)) as { input: LiftTestPlanInput }).input).tests;
    const last = before[before.length - 1].channel;
    const flag = { identified: false, reasons: [{ kind: 'collinear', message: `${last}'s spend moves with another channel's` }] };
    await db.pool.query(`update incrementality set detail = jsonb_set(detail, '{identifiability}', $3::jsonb) where run_id = $1 and channel = $2`,
      [runId, last, JSON.stringify(flag)]);
    try {
      const after = planLiftTests(((await experimentPlanInput(db, runId)) as { input: LiftTestPlanInput }).input).tests;
      // Last by value of information, now ahead of every channel the model can identify (the others keep their order).
      const at = after.findIndex((t) => t.channel === last);
      expect(after.slice(at + 1).every((t) => t.identified !== false)).toBe(true);
      expect(after.slice(0, at).every((t) => t.identified === false)).toBe(true);
      expect(after.filter((t) => t.channel !== last).map((t) => t.channel)).toEqual(before.slice(0, -1).map((t) => t.channel));
      expect(after[at].why).toContain(`not identified by the model (${last}'s spend moves with another channel's)`);
    } finally {
      await db.pool.query(`update incrementality set detail = detail - 'identifiability' where run_id = $1 and channel = $2`, [runId, last]);
    }
  });

  it('names a run that does not exist', async () => {
    const r = await acvloop(['experiments', 'plan', 'no-such-run', '--json'], cliEnv());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('no run no-such-run');
  });
});

const sectionOf = (html: string, id: string) => {
  const m = new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`).exec(html);
  if (!m) throw new Error(`no section ${id}`);
  return m[1];
};
const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

describe('what the lift tests did to the model (issue 13, item 4)', () => {
  it('show --json gives per test the ROI interval before and after calibration and a verdict; show and the report print them', async () => {
    const r = await acvloop(['show', runId, '--json'], cliEnv());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { calibration, incrementality } = JSON.parse(r.stdout);
    const v = await db.db.selectFrom('model_versions').select('metrics').where('model_version_id', '=', `${runId}/incrementality`).executeTakeFirstOrThrow();
    expect(calibration).toHaveLength((v.metrics as any).experiments.used);
    const file = csvObjects(path.join(dir, 'experiments.csv'));
    for (const c of calibration) {
      expect(Object.keys(c).sort()).toEqual(['after', 'before', 'channel', 'test', 'verdict', 'why']);
      const row = file.find((f) => f.channel === c.channel && f.start === c.test.start && f.end === c.test.end)!;
      expect([c.test.incrementalAcv, c.test.stderr]).toEqual([Number(row.incremental_acv), Number(row.stderr)]);
      expect(c.test.p90 - c.test.p10).toBeCloseTo(2 * 1.281552 * c.test.stderr, 1);
      // After calibration is the stored model: the channel's ROI and interval as show prints them.
      expect(c.after.roi).toBe(incrementality[c.channel].roi);
      expect([c.after.p10, c.after.p90]).toEqual(incrementality[c.channel].roiInterval);
      expect(c.before.p10).toBeLessThanOrEqual(c.before.roi);
      expect(c.before.roi).toBeLessThanOrEqual(c.before.p90);
      const beyond = c.test.p10 > c.before.testMonths.p90 || c.test.p90 < c.before.testMonths.p10;
      expect(c.verdict).toBe(beyond ? 'disagrees' : 'agrees');
      expect(c.why).toContain(`The ${c.channel} test measured`);
    }
    // The test edited to ten times its value is flagged.
    const edited = calibration.find((c: any) => c.channel === file[0].channel && c.test.start === file[0].start);
    expect(edited.verdict).toBe('disagrees');
    expect(edited.why).toContain('all of it above what the model without tests expected');
    // It decided the channel's estimate: the stored model gives the test's months what the test measured, within its stderr.
    expect(Math.abs(edited.after.testMonths.incrementalAcv - edited.test.incrementalAcv)).toBeLessThan(edited.test.stderr);
    expect(edited.why).toContain('so the test decided the channel\'s estimate');

    const text = await acvloop(['show', runId], cliEnv());
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Lift tests against the model (80% intervals)');
    for (const c of calibration) {
      expect(text.stdout).toMatch(new RegExp(`\\n${c.channel} +${c.test.start}\\.\\.${c.test.end} .* ${c.before.roi.toFixed(2)} \\(.*\\) +${c.after.roi.toFixed(2)} \\(.*\\) +${c.verdict}\\n`));
    }
    expect(text.stdout).toContain(`  Flagged for review: ${edited.why}`);

    const body = sectionOf(await buildRunReport(db, runId), 'experiments');
    expect(body).toContain('<h3>This run\'s tests against the model</h3>');
    for (const c of calibration) {
      expect(body).toMatch(new RegExp(`<tr( class="(held)?")?><td>${c.channel}</td><td>${c.test.start}\\.\\.${c.test.end}</td>`));
      expect(body).toContain(`${c.after.roi.toFixed(2)} (${c.after.p10.toFixed(2)} – ${c.after.p90.toFixed(2)})`);
    }
    expect(body).toMatch(new RegExp(`<tr class="held"><td>${edited.channel}</td>`));
    expect(body).toContain(escaped(edited.why));
  });

  it('the reviewer\'s sign-off names the test that disagrees: what to check before signing, and what is asked when approvers sign', async () => {
    const request = await createActivities(depsFor(db)).prepareApproval({ runId });
    const { calibration } = JSON.parse((await acvloop(['show', runId, '--json'], cliEnv())).stdout);
    const edited = calibration.find((c: any) => c.verdict === 'disagrees');
    const summary = sectionOf(await buildRunReport(db, runId), 'summary');
    expect(summary).toMatch(/A lift test disagrees|\d+ lift tests disagree/);
    expect(summary).toContain(escaped('with the model beyond both 80% intervals (the test decided the channel\'s estimate; check the test and the channel\'s data): '));
    expect(summary).toContain(escaped(edited.why));
    const text = await acvloop(['show', runId], cliEnv());
    expect(request.requiredApprovers).toBeGreaterThan(0);
    expect(summary).toContain(escaped(`Review the ${edited.channel} lift test of ${edited.test.start}..${edited.test.end}: it disagrees with the model, so it decided the channel's estimate`));
    expect(text.stdout).toContain(`Lift test to review: ${edited.channel} ${edited.test.start}..${edited.test.end} disagrees with the model, so it decided the channel's estimate; ` +
      'check the test\'s design and the channel\'s data');
  });

  it('a disagreeing lift test is a reason for sign-off of its own: stored with the request, said in the audit, and enough alone to keep the run from applying', async () => {
    const request = await createActivities(depsFor(db)).prepareApproval({ runId });
    const { calibration } = JSON.parse((await acvloop(['show', runId, '--json'], cliEnv())).stdout);
    const flagged = calibration.filter((c: any) => c.verdict === 'disagrees');
    expect(request.signOff.liftTests).toEqual(liftTestSignOff(calibration));
    expect(request.signOff.liftTests!.tests.map((t) => `${t.channel} ${t.start}..${t.end}`)).toEqual(flagged.map((c: any) => `${c.channel} ${c.test.start}..${c.test.end}`));
    const one = flagged[0];
    if (flagged.length === 1) {
      expect(request.signOff.liftTests!.text).toBe(`the ${one.channel} lift test of ${one.test.start}..${one.test.end} disagrees with the model beyond both 80% intervals, ` +
        'so it decided the channel\'s estimate: check the test\'s design and the channel\'s data');
    }
    const audit = (await db.pool.query("select reason from audit_log where run_id = $1 and action = 'approval.requested'", [runId])).rows;
    expect(audit).toHaveLength(1);
    expect(audit[0].reason).toContain(`reviewing ${request.signOff.liftTests!.text}`);
    const report = sectionOf(await buildRunReport(db, runId), 'budget');
    expect(report).toContain(escaped(`reviewing ${request.signOff.liftTests!.text}`));
    // Alone, with nothing to promote, no drift and a budget within its guardrail, it still asks the configured approvers; agreeing tests ask nothing.
    const a = DEFAULT_CONFIG.approvals;
    expect(requiredApprovers([], 0.05, a, { liftTests: true })).toEqual({ required: a.required, beyond: false });
    expect(requiredApprovers([], 0.05, a, { liftTests: false })).toEqual({ required: 0, beyond: false });
    expect(liftTestSignOff(calibration.map((c: any) => ({ ...c, verdict: 'agrees' })))).toBeNull();
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteDb } from '../helpers/db';
import { acvloop } from '../helpers/cli';
import { fitMmm, storeMmm, type MmmFit } from '../../models/mmm';
import { plantedWorld } from '../helpers/planted-identifiability';

/**
 * `acvloop models …` as a user runs it, on a registry with one run's versions
 * (one family passed its gate, one failed): listing, showing, promotion
 * (refused past a failed gate unless overridden, and by a viewer) and
 * rollback, each an alias move in the database and an audit entry.
 */
let db: Awaited<ReturnType<typeof suiteDb>>;
let env: NodeJS.ProcessEnv;
let configFile: string;
const RUN = 'cycle-2026-10-aaaaaaaaaaaa-v1';
// A run whose incrementality version holds a real media-mix fit, and whose forecast was backtested (issue 13's model card).
const MMM_RUN = 'cycle-2026-11-bbbbbbbbbbbb-v1';
let fit: MmmFit;

beforeAll(async () => {
  db = await suiteDb('models_cli');
  env = { DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema };
  configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-models-')), 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ reviewers: [{ name: 'erin', roles: ['approver'] }, { name: 'gus', roles: ['viewer'] }] }));
  await db.pool.query(`insert into runs (run_id, month, drop_path, drop_sha256, version, requested_by, seed, code_version)
    values ($1, '2026-10', '/drops/2026-10', 'aaaaaaaaaaaa0000', 1, 'dana', 1, '0.1.0+test')`, [RUN]);
  for (const family of ['renewal', 'forecast']) {
    await db.pool.query(`insert into model_versions (model_version_id, run_id, family, params, metrics, training_batch_id, code_version, training_files)
      values ($1, $2, $3, '{"kind":"logistic"}', '{"decisions":10}', 'batch-1', '0.1.0+test', '[{"file":"contracts.csv","sha256":"abc"}]')`, [`${RUN}/${family}`, RUN, family]);
  }
  await db.pool.query(`insert into gate_verdicts (run_id, passed, promote, families, checks, thresholds) values ($1, true, '["renewal"]', $2, $3, '{}')`, [RUN,
    JSON.stringify({ renewal: { passed: true, reason: 'every check passed', version: `${RUN}/renewal` }, forecast: { passed: false, reason: 'forecast_mape 0.7 > 0.5', version: `${RUN}/forecast` } }),
    JSON.stringify([{ family: 'forecast', name: 'forecast_mape', kind: 'absolute', value: 0.7, threshold: 0.5, comparator: '<=', passed: false }])]);

  fit = fitMmm(plantedWorld(11).input, { bootstrap: 10, seed: 3 });
  await db.pool.query(`insert into runs (run_id, month, drop_path, drop_sha256, version, requested_by, seed, code_version)
    values ($1, '2026-11', '/drops/2026-11', 'bbbbbbbbbbbb0000', 1, 'dana', 1, '0.1.0+test')`, [MMM_RUN]);
  const versions = [['incrementality', storeMmm(fit), { months: 36, experiments: { used: 0, ignored: 0 } }],
    ['forecast', { kind: 'mmm', incrementality: `${MMM_RUN}/incrementality`, horizon: 3 }, {}]] as const;
  for (const [family, params, metrics] of versions) {
    await db.pool.query(`insert into model_versions (model_version_id, run_id, family, params, metrics, training_batch_id, code_version, training_files)
      values ($1, $2, $3, $4, $5, 'batch-2', '0.1.0+test', '[]')`, [`${MMM_RUN}/${family}`, MMM_RUN, family, JSON.stringify(params), JSON.stringify(metrics)]);
  }
  const detail = JSON.stringify({ kind: 'mmm', horizon: 3, origins: 10, points: 30, outOfSample: true });
  for (const [metric, value] of [['forecast_mape', 0.12], ['forecast_coverage80', 0.7], ['forecast_coverage95', 0.9]] as const) {
    await db.pool.query(`insert into backtests (run_id, model_version_id, role, metric, value, detail) values ($1, $2, 'challenger', $3, $4, $5)`,
      [MMM_RUN, `${MMM_RUN}/forecast`, metric, value, detail]);
  }
  for (const [metric, value] of [['forecast_coverage80', 0.6], ['forecast_coverage95', 0.8]] as const) {
    await db.pool.query(`insert into backtests (run_id, model_version_id, role, metric, value, detail) values ($1, 'baseline/forecast', 'champion', $2, $3, $4)`,
      [MMM_RUN, metric, value, JSON.stringify({ kind: 'trailing_mean', horizon: 3, origins: 10, points: 30 })]);
  }
  await db.pool.query(`insert into gate_verdicts (run_id, passed, promote, families, checks, thresholds) values ($1, true, '[]', '{}', $2, '{"forecastCoverage80Min":0.5}')`, [MMM_RUN,
    JSON.stringify([{ family: 'forecast', name: 'forecast_coverage80', kind: 'absolute', value: 0.7, threshold: 0.6, comparator: '>=', passed: true }])]);
});

afterAll(async () => {
  await db?.drop();
  fs.rmSync(path.dirname(configFile), { recursive: true, force: true });
});

const json = async (args: string[]) => {
  const r = await acvloop(['models', ...args, '--json'], env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
};

describe('acvloop models', () => {
  it('lists every version, baselines included, with its gate result', async () => {
    const { versions } = await json(['list']);
    const byId = Object.fromEntries(versions.map((v: any) => [v.version, v]));
    expect(byId['baseline/renewal']).toMatchObject({ family: 'renewal', baseline: true, aliases: [] });
    expect(byId[`${RUN}/renewal`]).toMatchObject({ gate: { passed: true }, codeVersion: '0.1.0+test' });
    expect(byId[`${RUN}/forecast`].gate).toEqual({ passed: false, reason: 'forecast_mape 0.7 > 0.5' });
    const only = await json(['list', '--family', 'forecast']);
    expect(new Set(only.versions.map((v: any) => v.family))).toEqual(new Set(['forecast']));
  });

  it('refuses to promote past a failed gate, or by a viewer; an override is recorded', async () => {
    const refused = await acvloop(['models', 'promote', `${RUN}/forecast`, '--by', 'erin', '--reason', 'looks fine', '--config', configFile], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/failed its gate \(forecast_mape 0\.7 > 0\.5\); pass --override-gate/);
    const viewer = await acvloop(['models', 'promote', `${RUN}/renewal`, '--by', 'gus', '--reason', 'x', '--config', configFile], env);
    expect(viewer.stderr).toMatch(/gus is a viewer in the config; only an approver may move a model alias/);
    const moved = await json(['promote', `${RUN}/forecast`, '--by', 'erin', '--reason', 'the lift test backs it', '--override-gate', '--config', configFile]);
    expect(moved).toMatchObject({ family: 'forecast', from: null, to: `${RUN}/forecast`, actor: 'erin' });
    const entry = (await db.pool.query(`select actor, action, before, after, reason, model_version_id, drop_sha256 from audit_log where action = 'alias.promote'`)).rows[0];
    expect(entry).toEqual({ actor: 'erin', action: 'alias.promote', before: { family: 'forecast', alias: 'champion', version: null },
      after: { family: 'forecast', alias: 'champion', version: `${RUN}/forecast` }, reason: 'the lift test backs it [gate overridden: forecast_mape 0.7 > 0.5]',
      model_version_id: `${RUN}/forecast`, drop_sha256: 'aaaaaaaaaaaa0000' });
  });

  it('shows a version with its files, gate checks and alias history, and rolls back to the baseline', async () => {
    const back = await json(['rollback', '--to', 'baseline/forecast', '--by', 'erin', '--reason', 'MAPE too high after all', '--config', configFile]);
    expect(back).toMatchObject({ from: `${RUN}/forecast`, to: 'baseline/forecast' });
    const shown = await json(['show', `${RUN}/forecast`]);
    expect(shown.trainingFiles).toEqual([{ file: 'contracts.csv', sha256: 'abc' }]);
    expect(shown.gateChecks).toEqual([expect.objectContaining({ name: 'forecast_mape', passed: false })]);
    expect(shown.aliasHistory.map((e: any) => [e.from, e.to, e.actor])).toEqual([[null, `${RUN}/forecast`, 'erin'], [`${RUN}/forecast`, 'baseline/forecast', 'erin']]);
    expect(shown.aliases).toEqual([]);
    const again = await acvloop(['models', 'rollback', '--to', 'baseline/forecast', '--by', 'erin', '--reason', 'x'], env);
    expect(again.stderr).toMatch(/baseline\/forecast is already the forecast champion/);
    const text = await acvloop(['models', 'list'], env);
    expect(text.stdout).toMatch(/baseline\/forecast\s+forecast\s+champion\s+baseline/);
  });

  it('shows what an incrementality version assumes (its card, numbers from the stored fit) and the forecast backtest coverage beside its target', async () => {
    const shown = await json(['show', `${MMM_RUN}/incrementality`]);
    expect(shown.coverage).toMatchObject({ forecastVersion: `${MMM_RUN}/forecast`, coverage80: 0.7, coverage95: 0.9, target80: 0.8, target95: 0.95, gateMin80: 0.6, points: 30 });
    expect(shown.card.channels.map((c: any) => c.channel)).toEqual(['print', 'search', 'social', 'webinar']);
    const search = shown.card.channels.find((c: any) => c.channel === 'search');
    expect(search.identified).toBe(false);
    expect(search.text).toContain(`about ${Math.round(fit.transforms.search.decay * 100)}% of a month's effect carries into the next`);
    const text = await acvloop(['models', 'show', `${MMM_RUN}/incrementality`], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('What it assumes:');
    expect(text.stdout).toContain('Learned from 36 months, 2023-01 to 2025-12.');
    expect(text.stdout).toMatch(/the 80% range held 70% of actual months, target 80%; the gate asks at least 60%/);
    expect(text.stdout).toMatch(/search: .*Not identified: spend moves with social .*the budget holds it near its current spend\./);
    const forecast = await acvloop(['models', 'show', `${MMM_RUN}/forecast`], env);
    expect(forecast.stdout).toContain(`What it assumes (the incrementality fit it is made from, ${MMM_RUN}/incrementality):`);
    expect(forecast.stdout).toContain('The forecast made from this estimate uses the same 10 refits');
    const older = await acvloop(['models', 'show', `${RUN}/forecast`], env);
    expect(older.stdout).toContain('Forecast backtest: none recorded for this version.');
    // A baseline is only ever backtested as champion: the latest run that did so.
    const baseline = await acvloop(['models', 'show', 'baseline/forecast'], env);
    expect(baseline.stdout).toContain(`Forecast backtest (run ${MMM_RUN}, as champion): refitted at each of 10 origins`);
    expect(baseline.stdout).toMatch(/the 80% range held 60% of actual months, target 80%; the gate asks at least 60%: below target/);
  });
});

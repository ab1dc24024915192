/**
 * The gate judges a champion on the same footing as its challenger: both are
 * refitted from their specification at every backtest origin on the data
 * before it, on real Postgres. The same drop run twice in a row promotes the
 * same way, since on an identical drop the champion (the first run's version)
 * and the challenger are one specification and score identically.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { configSchema } from '../../config/schema';
import { promoteVersion } from '../../governance/registry-commands';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { callStage, depsFor, registerRun, STAGES, type TestDb, type TestDrop } from './support';

let db: TestDb;
let drop: TestDrop;
const first = 'refit-1';
const second = 'refit-2';
// The AUC floor off: this small world's renewal model ranks little better than chance, and the relative check must decide.
const thresholds = { ...configSchema.parse({}).gate, renewalAucMin: 0 };

async function cycleToGate(runId: string) {
  await registerRun(db, runId, drop);
  for (const stage of STAGES.slice(0, STAGES.indexOf('evaluateGate'))) await callStage(db, stage, runId);
  await createActivities(depsFor(db)).evaluateGate({ runId, thresholds });
  return db.db.selectFrom('gate_verdicts').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
}
const backtests = (runId: string) =>
  db.db.selectFrom('backtests').select(['model_version_id', 'role', 'metric', 'value', 'detail']).where('run_id', '=', runId).orderBy('metric').execute();

let verdicts: Awaited<ReturnType<typeof cycleToGate>>[];

beforeAll(async () => {
  db = await suiteDb('act_refit');
  // Enough accounts that the logistic specification is fitted (not its fallback, the rate by segment) at most origins.
  drop = await smallDrop({ seed: 11, accounts: 1200 });
  const v1 = await cycleToGate(first);
  // What an approval of the first run publishes: every family it trained becomes champion.
  for (const family of ['attribution', 'incrementality', 'forecast', 'renewal', 'survival', 'accounts']) {
    await promoteVersion(db, configSchema.parse({}), { version: `${first}/${family}`, by: 'erin', reason: 'approved', overrideGate: true });
  }
  verdicts = [v1, await cycleToGate(second)];
}, 600_000);

afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
});

describe('the same drop, run twice in a row', () => {
  it('scores the champion (the first run\'s version) exactly as the challenger on every backtest metric', async () => {
    const rows = await backtests(second);
    const champion = rows.filter((r) => r.role === 'champion');
    expect(new Set(champion.map((r) => r.model_version_id))).toEqual(new Set([`${first}/forecast`, `${first}/renewal`, `${first}/accounts`]));
    for (const metric of ['forecast_mape', 'forecast_coverage80', 'forecast_coverage95', 'renewal_brier', 'renewal_auc', 'renewal_calibration_gap', 'accounts_win_auc', 'accounts_top_decile_lift', 'accounts_expansion_auc']) {
      const ch = rows.find((r) => r.role === 'challenger' && r.metric === metric)!;
      const cp = rows.find((r) => r.role === 'champion' && r.metric === metric)!;
      expect(ch.value, metric).not.toBeNull();
      expect(cp.value, metric).toBe(ch.value);
      expect((cp.detail as any).specification, metric).toEqual((ch.detail as any).specification);
    }
  });

  it('passes the binding "no worse than the champion" checks and promotes what the first run promoted', () => {
    const checks = verdicts[1].checks as any[];
    for (const [family, name] of [['renewal', 'renewal_brier_vs_champion'], ['forecast', 'forecast_mape_vs_champion'], ['incrementality', 'forecast_mape_vs_champion']]) {
      const c = checks.find((x) => x.family === family && x.name === name);
      expect(c, `${family} ${name}`).toMatchObject({ kind: 'relative', passed: true });
      expect(c.value).toBe(c.threshold);
      expect(c.note).toMatch(new RegExp(`^champion ${first}/\\w+ [\\d.]+, refit out of sample at each origin like the challenger$`));
    }
    expect((verdicts[0].families as any).renewal.passed).toBe(true);
    expect(verdicts[1].promote).toEqual(verdicts[0].promote);
    const passed = (v: (typeof verdicts)[number]) => Object.fromEntries(Object.entries(v.families as Record<string, { passed: boolean }>).map(([f, x]) => [f, x.passed]));
    expect(passed(verdicts[1])).toEqual(passed(verdicts[0]));
  });
});

describe('a champion is never scored on its own training data', () => {
  it('every renewal origin of both contenders learned from decisions before the first it scored, fewer than the champion was fitted on', async () => {
    const rows = await backtests(second);
    const stored = await db.db.selectFrom('model_versions').select(['params', 'metrics']).where('model_version_id', '=', `${first}/renewal`).executeTakeFirstOrThrow();
    const fittedOn = (stored.metrics as { decisions: number }).decisions;
    expect((stored.params as { kind: string }).kind).toBe('logistic');
    for (const role of ['challenger', 'champion']) {
      const detail = rows.find((r) => r.role === role && r.metric === 'renewal_brier')!.detail as any;
      expect(detail).toMatchObject({ outOfSample: true, refit: 'at each origin, on the data before it' });
      const scored = detail.origins.filter((o: any) => o.brier !== null);
      expect(scored.length, role).toBeGreaterThan(0);
      expect(scored.some((o: any) => o.model === 'logistic'), `${role} refits a logistic model`).toBe(true);
      for (const o of scored) {
        expect(o.trainedThrough < o.origin && o.origin <= o.firstScored, `${role} ${o.origin}`).toBe(true);
        expect(o.train).toBeLessThan(fittedOn);
      }
      expect(rows.find((r) => r.role === role && r.metric === 'renewal_refit_out_of_sample')!.value).toBe(1);
    }
  });

  it('every forecast origin of both contenders was fitted on the months before the first it forecast', async () => {
    const rows = await backtests(second);
    for (const role of ['challenger', 'champion']) {
      const detail = rows.find((r) => r.role === role && r.metric === 'forecast_mape')!.detail as any;
      expect(detail.windows).toHaveLength(detail.origins);
      for (const w of detail.windows) expect(w.trainedThrough < w.firstScored, `${role} ${w.firstScored}`).toBe(true);
      expect(rows.find((r) => r.role === role && r.metric === 'forecast_refit_out_of_sample')!.value).toBe(1);
    }
  });
});

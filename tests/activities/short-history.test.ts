/**
 * A drop with less history than the media-mix model has parameters (6 months
 * for 7 paid channels): the cycle still attributes, scores contracts and
 * reports KPIs, and says it skipped incrementality, forecast and budget,
 * instead of failing the month.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { count, registerRun, runAllStages, type StageName, type TestDb, type TestDrop } from './support';

let db: TestDb;
let drop: TestDrop;
let summaries: Record<StageName, Record<string, unknown>>;
const runId = 'short-1';

beforeAll(async () => {
  db = await suiteDb('act_short');
  drop = await smallDrop({ seed: 2, accounts: 300, months: 6 });
  await registerRun(db, runId, drop);
  summaries = await runAllStages(db, runId);
});
afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
});

describe('a six-month history', () => {
  it('records why there is no incrementality model, and no forecast model either', async () => {
    const versions = await db.db.selectFrom('model_versions').select(['family', 'params']).where('run_id', '=', runId).orderBy('family').execute();
    const params = Object.fromEntries(versions.map((v) => [v.family, v.params as any]));
    expect(params.incrementality).toEqual({ kind: 'unavailable', reason: expect.stringMatching(/^not enough history for the media-mix model: 6 months are too few for \d+ channels \(need at least \d+\)$/) });
    expect(params.forecast.kind).toBe('unavailable');
    expect(await count(db, 'incrementality', 'run_id = $1', [runId])).toBe(0);
    expect(await count(db, 'budget_recommendations', 'run_id = $1', [runId])).toBe(0);
    expect(await count(db, 'forecasts', 'run_id = $1', [runId])).toBe(0);
    expect(summaries.score.skipped).toMatch(/^budget and forecast: not enough history/);
  });

  it('still attributes, scores and reports the KPIs', async () => {
    expect(await count(db, 'attribution', 'run_id = $1', [runId])).toBeGreaterThan(0);
    expect(await count(db, 'kpis', 'run_id = $1', [runId])).toBeGreaterThan(0);
    expect(await count(db, 'contract_scores', 'run_id = $1', [runId])).toBeGreaterThan(0);
    const mape = await db.db.selectFrom('backtests').select(['role', 'value', 'detail']).where('run_id', '=', runId).where('metric', '=', 'forecast_mape').execute();
    expect(mape.map((m) => m.value)).toEqual([null, null]);
  });
});

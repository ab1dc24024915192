import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetPolicyOf, proposeNextBudget } from '../../activities/score';
import { incrementalityRows } from '../../activities/model-rows';
import { unidentifiedSignOff } from '../../activities/approval';
import { fitMmm, mmmIdentifiability } from '../../models/mmm';
import { buildRunReport } from '../../report/html';
import { acvloop } from '../helpers/cli';
import { suiteDb } from '../helpers/db';
import { plantedWorld } from '../helpers/planted-identifiability';

/**
 * The flags of a planted world (search and social as fixed shares of one
 * total, print flat, webinar varied) reach what a reviewer reads: the
 * incrementality and budget rows the retrain and score stages write, read
 * back by `acvloop show --json`, `acvloop show` and the report.
 */
let db: Awaited<ReturnType<typeof suiteDb>>;
let env: NodeJS.ProcessEnv;
const RUN = 'cycle-2025-12-bbbbbbbbbbbb-v1';
const world = plantedWorld(11);
const fit = fitMmm(world.input, { bootstrap: 20, seed: 3 });
// What the score stage proposes for the month after: the last three months' mean spend, the default policy (±20%, unidentified channels held).
const current = Object.fromEntries(Object.entries(world.input.spend).map(([c, s]) => [c, s.slice(-3).reduce((a, b) => a + b, 0) / 3]));
const policy = budgetPolicyOf(null);
const plan = proposeNextBudget(fit, current, policy)!;

beforeAll(async () => {
  db = await suiteDb('identifiability_show');
  env = { DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema };
  await db.pool.query(`insert into runs (run_id, month, drop_path, drop_sha256, version, requested_by, seed, code_version)
    values ($1, '2025-12', '/drops/2025-12', 'bbbbbbbbbbbb0000', 1, 'dana', 1, '0.1.0+test')`, [RUN]);
  for (const r of incrementalityRows(RUN, `${RUN}/incrementality`, fit)) {
    await db.pool.query(`insert into incrementality (run_id, model_version_id, channel, spend_usd, incremental_acv, low, high, interval, roi, mroi, detail)
      values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [r.run_id, r.model_version_id, r.channel, r.spend_usd, r.incremental_acv, r.low, r.high, r.interval, r.roi, r.mroi, r.detail]);
  }
  const flags = mmmIdentifiability(fit);
  for (const b of plan.lines) {
    await db.pool.query('insert into budget_recommendations (run_id, channel, current, recommended, binding, detail) values ($1, $2, $3, $4, $5, $6)',
      [RUN, b.channel, b.current, b.recommended, b.binding, JSON.stringify({ changePct: b.changePct, expectedAcv: b.expectedAcv, policy, identifiability: flags[b.channel] })]);
  }
});

afterAll(async () => {
  await db?.drop();
});

describe('what cannot be known reaches the reviewer', () => {
  it('show --json gives each channel identifiability {identified, reasons} and the budget holds the flagged ones at their current spend', async () => {
    const r = await acvloop(['show', RUN, '--json'], env);
    expect(r.stderr).toBe('');
    const shown = JSON.parse(r.stdout);
    expect(shown.incrementality.search.identifiability).toMatchObject({ identified: false, reasons: [{ kind: 'collinear', channels: ['social'] }] });
    expect(shown.incrementality.social.identifiability).toMatchObject({ identified: false, reasons: [{ kind: 'collinear', channels: ['search'] }] });
    expect(shown.incrementality.print.identifiability).toMatchObject({ identified: false, reasons: [{ kind: 'low_variation', value: 0 }] });
    expect(shown.incrementality.webinar.identifiability).toEqual({ identified: true, reasons: [] });
    expect(shown.incrementality.search.low).toBe(0);
    for (const c of ['search', 'social', 'print']) {
      expect(Math.abs(shown.budget[c].recommended - shown.budget[c].current)).toBeLessThanOrEqual(0.01);
    }
    expect(shown.budget.search.binding).toBe('unidentified');
    // Without the step (unidentifiedMaxChange at the general ±20%) the optimizer moves a flagged channel further: holding them is the flag's doing.
    const free = proposeNextBudget(fit, current, { ...policy, unidentifiedMaxChange: policy.maxChange })!;
    expect(Math.max(...free.lines.filter((l) => l.channel !== 'webinar').map((l) => Math.abs(l.changePct!)))).toBeGreaterThan(0.05 + 1e-6);
  });

  it('acvloop show says it in words under the incrementality table', async () => {
    const r = await acvloop(['show', RUN], env);
    expect(r.stdout).toMatch(/search cannot be known from this data: spend moves with social \(r = 1\.000\)/);
    expect(r.stdout).toMatch(/print cannot be known from this data: spend hardly varied/);
    expect(r.stdout).not.toMatch(/webinar cannot be known/);
  });

  it('the report has an identified column and names the channels under "what to check"', async () => {
    const html = await buildRunReport(db, RUN, { generatedAt: '2026-01-01T00:00:00Z' });
    expect(html).toContain('<th>identified</th>');
    expect(html).toMatch(/<td>no: spend moves with social/);
    expect(html).toMatch(/What the model cannot know: print \(spend hardly varied .*\), search \(spend moves with social .*\), social \(spend moves with search .*\)\. Their intervals are widened to what the data support and the budget holds them at their current spend/);
  });

  it('the sign-off names them with the step the budget holds them to', () => {
    const rows = fit.results.map((x) => ({ channel: x.channel, identifiability: x.identifiability }));
    const s = unidentifiedSignOff(rows, policy.unidentifiedMaxChange)!;
    expect(s.channels.map((c) => c.channel)).toEqual(['print', 'search', 'social']);
    expect(s.text).toMatch(/^the model cannot identify print \(spend hardly varied.*: their intervals are widened and the budget holds them at the current spend$/);
    expect(unidentifiedSignOff(rows, 0.05)!.text).toMatch(/the budget moves each at most 5%$/);
    expect(unidentifiedSignOff(rows.filter((x) => x.channel === 'webinar'), 0.05)).toBeNull();
  });
});

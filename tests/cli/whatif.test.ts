/**
 * `acvloop whatif` as a user runs it, on a run the stages scored in real
 * Postgres: a contract's baseline is its stored score exactly (same inputs,
 * same seed), its own terms give back the baseline, a cohort's baseline
 * totals are the sums of the stored scores of its contracts (found here by
 * SQL of its own), and what cannot be answered is refused with why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitRenewalModel, renewalDecisions, type RenewalModel } from '../../models/renewal';
import { readSourceRows } from '../../store/source-rows';
import { acvloop } from '../helpers/cli';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { batchOfRun, callStage, registerRun, serveRenewalModel, STAGES, type TestDb, type TestDrop } from '../activities/support';

const RUN = 'whatif-A';
const BARE = 'whatif-unscored';
let db: TestDb;
let drop: TestDrop;
let env: NodeJS.ProcessEnv;

interface Stored { contract_id: string; account_id: string; model_version_id: string; renewal_probability: number; ltv_mean: number; ltv_p10: number; ltv_p50: number; ltv_p90: number; projected_arr: number }
interface Contract { contract_id: string; term_months: number; discount_pct: string | null; previous_contract_id: string | null; segment: string; region: string | null }
let stored: Stored[];
let contracts: Map<string, Contract>;

beforeAll(async () => {
  db = await suiteDb('cli_whatif');
  env = { DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema };
  drop = await smallDrop({ seed: 31, accounts: 400, months: 30 });
  await registerRun(db, RUN, drop);
  await registerRun(db, BARE, drop);
  for (const stage of STAGES.filter((s) => s !== 'score')) await callStage(db, stage, RUN);
  await serveUsageModel();
  await callStage(db, 'score', RUN);
  stored = (await db.pool.query('select * from contract_scores where run_id = $1 order by contract_id', [RUN])).rows;
  const batch = await batchOfRun(db, RUN);
  contracts = new Map((await db.pool.query(
    `select c.contract_id, c.term_months, c.discount_pct, c.previous_contract_id, a.segment, a.region
       from src_contracts c join src_accounts a on a.batch_id = c.batch_id and a.account_id = c.account_id where c.batch_id = $1`, [batch])).rows
    .map((c) => [c.contract_id, c]));
}, 300_000);

/**
 * A world this small serves the renewal baseline, which reads no discount, term, usage or chain. The run's
 * renewal version is replaced by a logistic model on all of them, and the gate lets it serve: the what-if
 * must then rebuild every feature as the score shards did (as tests/activities/score-shards.test.ts does).
 */
async function serveUsageModel() {
  const rows = await readSourceRows(db, await batchOfRun(db, RUN), ['accounts', 'contracts', 'usage']);
  const model: RenewalModel = fitRenewalModel(renewalDecisions(rows.contracts, rows.accounts, rows.usage, `${drop.month}-31`),
    { minDecisions: 10, features: { usage: true, tenure: true, usageMeasure: 'latent-trend', users: true } });
  expect(model).toMatchObject({ kind: 'logistic', useUsage: true });
  await serveRenewalModel(db, RUN, model);
}

afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
});

async function whatif(args: string[]) {
  const r = await acvloop(['whatif', RUN, ...args, '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('acvloop whatif --contract', () => {
  it('baseline is the stored score exactly, named by the serving version; own terms give back the baseline', async () => {
    // A renewal (its chain read whole) and a first contract, both scored.
    const renewal = stored.find((s) => contracts.get(s.contract_id)!.previous_contract_id !== null)!;
    const first = stored.find((s) => contracts.get(s.contract_id)!.previous_contract_id === null)!;
    expect(renewal && first).toBeTruthy();
    for (const s of [renewal, first]) {
      const c = contracts.get(s.contract_id)!;
      const own = ['--term', String(c.term_months), ...(c.discount_pct === null ? [] : ['--discount', String(Number(c.discount_pct))])];
      const w = await whatif(['--contract', s.contract_id, ...own]);
      expect(w.modelVersionId).toBe(s.model_version_id);
      expect(w.renewalModel).toBe('logistic');
      expect(w.baseline.ltvP50).toBe(s.ltv_p50);
      expect([w.baseline.renewalProbability, w.baseline.ltvMean, w.baseline.ltvP10, w.baseline.ltvP90, w.baseline.projectedArr])
        .toEqual([s.renewal_probability, s.ltv_mean, s.ltv_p10, s.ltv_p90, s.projected_arr]);
      expect(w.reproducesScore).toBe(true);
      expect(w.scenario).toEqual(w.baseline);
    }
  });

  it('a deeper discount and a longer term change the scenario by the model, and say how', async () => {
    const s = stored.find((x) => contracts.get(x.contract_id)!.term_months === 12)!;
    const w = await whatif(['--contract', s.contract_id, '--discount', '35', '--term', '36', '--price', '-5']);
    expect(w.baseline.ltvP50).toBe(s.ltv_p50);
    expect(w.levers).toEqual({ termMonths: 36, discountPct: 35, pricePct: -5 });
    expect(w.scenario.termMonths).toBe(36);
    expect(w.scenario.discountPct).toBe(35);
    const ownDiscount = Number(contracts.get(s.contract_id)!.discount_pct ?? 0);
    expect(w.scenario.acvUsd).toBeCloseTo(w.baseline.acvUsd * 0.95 * (0.65 / (1 - ownDiscount / 100)), 6);
    expect(w.scenario.renewalProbability).not.toBe(w.baseline.renewalProbability);
    expect(w.effects.discount.column).toBe('discount_pct');
    expect(w.effects.term.note).toMatch(/^term_years: /);
  });

  it('prints a readable table naming the model version', async () => {
    const s = stored[0];
    const r = await acvloop(['whatif', RUN, '--contract', s.contract_id, '--discount', '20'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`What-if of contract ${s.contract_id}`);
    expect(r.stdout).toContain(`Renewal model: version ${s.model_version_id} (logistic)`);
    expect(r.stdout).toMatch(/\n\s*baseline\s+scenario\s+change\n/);
    expect(r.stdout).toMatch(/LTV P50\s+\$[\d,]+\s+\$[\d,]+/);
    expect(r.stdout).toMatch(/discount: discount_pct: /);
  });
});

describe('acvloop whatif --segment', () => {
  it('baseline totals are the sums of the stored scores of the segment\'s (and region\'s) scored contracts', async () => {
    const segment = contracts.get(stored[0].contract_id)!.segment;
    const region = [...new Set(stored.map((s) => contracts.get(s.contract_id)!).filter((c) => c.segment === segment).map((c) => c.region))].find((r) => r !== null)!;
    for (const [args, keep] of [
      [['--segment', segment], (c: Contract) => c.segment === segment],
      [['--segment', segment, '--region', region], (c: Contract) => c.segment === segment && c.region === region],
    ] as const) {
      const mine = stored.filter((s) => keep(contracts.get(s.contract_id)!));
      expect(mine.length).toBeGreaterThan(1);
      const w = await whatif([...args, '--term', '24', '--discount', '10']);
      const sum = (f: (s: Stored) => number) => mine.reduce((t, s) => t + f(s), 0);
      expect(w.baseline.contracts).toBe(mine.length);
      expect(w.contracts.map((c: { contractId: string }) => c.contractId).sort()).toEqual(mine.map((s) => s.contract_id).sort());
      expect(w.baseline.ltvMean).toBeCloseTo(sum((s) => s.ltv_mean), 6);
      expect(w.baseline.ltvP50).toBeCloseTo(sum((s) => s.ltv_p50), 6);
      expect(w.baseline.projectedArr).toBeCloseTo(sum((s) => s.projected_arr), 6);
      expect(w.baseline.expectedRenewals).toBeCloseTo(sum((s) => s.renewal_probability), 9);
      expect(w.reproducesScores).toBe(true);
      // Every contract's baseline is its own stored P50, exactly.
      const byId = new Map(mine.map((s) => [s.contract_id, s]));
      for (const c of w.contracts) expect(c.baseline.ltvP50).toBe(byId.get(c.contractId)!.ltv_p50);
      expect(w.scenario.contracts).toBe(mine.length);
      expect(w.scenario.ltvMean).not.toBe(w.baseline.ltvMean);
    }
  });
});

describe('acvloop whatif refusals', () => {
  it.each([
    [[RUN, '--contract', 'NO-SUCH-CONTRACT'], `no contract NO-SUCH-CONTRACT in the drop of run ${RUN}`],
    [[RUN, '--contract', 'X', '--term', '18'], '--term takes 12, 24 or 36 (months), not "18"'],
    [[RUN, '--contract', 'X', '--discount', '100'], '--discount takes the discount off list price in percent, from 0 up to (not including) 100, not "100"'],
    [[RUN, '--contract', 'X', '--price', 'ten'], '--price takes a percentage such as 10, -5 or 12.5, not "ten"'],
    [[RUN, '--term', '24'], 'acvloop whatif takes --contract ID or --segment S (one of them)'],
    [[RUN, '--contract', 'X', '--region', 'EMEA'], '--region narrows a --segment cohort; a --contract has its own'],
    [[RUN, '--segment', 'Enterprise'], `no account of segment Enterprise in the drop of run ${RUN} (the segments are enterprise, mid_market, smb)`],
    [[BARE, '--contract', 'X'], `run ${BARE} has no contract scores: its score stage has not run, so there is no scored contract to start a what-if from`],
    [['no-such-run', '--contract', 'X'], 'no run no-such-run in schema SCHEMA'],
  ])('refuses %j', async (args, message) => {
    const r = await acvloop(['whatif', ...args], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`acvloop: ${message.replace('SCHEMA', db.schema)}\n`);
  });

  it('refuses a run scored before runs stored their scoring plan: its inputs cannot be rebuilt', async () => {
    const old = 'whatif-before-plans';
    await registerRun(db, old, drop);
    await db.pool.query(`insert into contract_scores (run_id, model_version_id, contract_id, account_id, renewal_probability, ltv_mean, ltv_p10, ltv_p50, ltv_p90, projected_arr)
      values ($1, $1 || '/renewal', 'C-1', 'A-1', 0.8, 1, 1, 1, 1, 1)`, [old]);
    const r = await acvloop(['whatif', old, '--contract', 'C-1'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`acvloop: run ${old} was scored before runs stored their scoring plan (issue 15): the inputs its contracts were scored from cannot be rebuilt; a rerun of its month can be\n`);
  });

  it('refuses a contract the run did not score: not active at its date', async () => {
    const batch = await batchOfRun(db, RUN);
    const ended = (await db.pool.query(`select contract_id from src_contracts where batch_id = $1 and status = 'churned' order by line limit 1`, [batch])).rows[0].contract_id;
    const r = await acvloop(['whatif', RUN, '--contract', ended], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^acvloop: contract ${ended} was not active on \\d{4}-\\d{2}-\\d{2} \\(status churned, ends \\d{4}-\\d{2}-\\d{2}\\): run ${RUN} scored only`));
  });
});

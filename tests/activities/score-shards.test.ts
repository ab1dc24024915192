/**
 * The score stage in shards (issue 15), on real Postgres: a run scored in 7
 * shards stores exactly the contract scores it stores in one, each shard
 * scores the contracts of its own accounts (checked against an md5 shard
 * computed here), a renewal chain that crosses accounts and shards is read
 * whole, and a shard retried or delivered twice stores nothing twice.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { hashDrop } from '../../contracts/drop-hash';
import { fitRenewalModel, renewalDecisions, type RenewalModel } from '../../models/renewal';
import { readSourceRows } from '../../store/source-rows';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { callStage, copyDrop, depsFor, fingerprint, registerRun, serveRenewalModel, STAGES, type TestDb, type TestDrop } from './support';

const RUN = 'shards-A';
let db: TestDb;
let base: TestDrop;
let drop: TestDrop;
/** The planted chain: first (account A) -> middle (moved to account B) -> last (account A), the last one live. */
let chain: { first: string; middle: string; last: string; a: string; b: string };

/** The shard of an account as the stage defines it: the first 28 bits of the md5 of its id, modulo the count. */
const shardOf = (accountId: string, count: number) => parseInt(createHash('md5').update(accountId).digest('hex').slice(0, 7), 16) % count;

/** Moves the middle contract of a three-contract chain whose last contract is live to an account of another shard (of 7). */
function plantCrossAccountChain(dir: string, asOf: string): typeof chain {
  const file = path.join(dir, 'contracts.csv');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const header = lines[0].split(',');
  const col = (name: string) => header.indexOf(name);
  const rows = lines.slice(1).filter((l) => l && !l.includes('"')).map((l) => l.split(','));
  const byPrev = new Map(rows.filter((r) => r[col('previous_contract_id')]).map((r) => [r[col('previous_contract_id')], r]));
  const accounts = [...new Set(rows.map((r) => r[col('account_id')]))];
  for (const first of rows) {
    const middle = byPrev.get(first[col('contract_id')]);
    const last = middle && byPrev.get(middle[col('contract_id')]);
    if (!middle || !last || byPrev.has(last[col('contract_id')])) continue;
    if (!(last[col('start_date')] <= asOf && last[col('end_date')] >= asOf && ['active', 'renewed'].includes(last[col('status')]))) continue;
    const a = first[col('account_id')];
    if (middle[col('account_id')] !== a || last[col('account_id')] !== a) continue;
    const b = accounts.find((x) => shardOf(x, 7) !== shardOf(a, 7))!;
    const i = lines.indexOf(middle.join(','));
    middle[col('account_id')] = b;
    lines[i] = middle.join(',');
    fs.writeFileSync(file, lines.join('\n'));
    return { first: first[col('contract_id')], middle: middle[col('contract_id')], last: last[col('contract_id')], a, b };
  }
  throw new Error('the drop has no three-contract renewal chain ending in a live contract');
}

const scoresOf = async (runId: string) =>
  (await db.pool.query(`select * from contract_scores where run_id = $1 order by contract_id`, [runId])).rows.map(({ run_id: _r, ...rest }) => rest);

async function forgetScores(runId: string) {
  for (const t of ['contract_scores', 'score_shards', 'score_plans']) await db.pool.query(`delete from ${t} where run_id = $1`, [runId]);
}

beforeAll(async () => {
  db = await suiteDb('act_shards');
  base = await smallDrop({ seed: 23, accounts: 400, months: 30 });
  const dir = copyDrop(base.dir, 'chain');
  chain = plantCrossAccountChain(dir, `${base.month}-31`);
  drop = { dir, sha256: (await hashDrop(dir)).sha256, month: base.month, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
  await registerRun(db, RUN, drop);
  for (const stage of STAGES.filter((s) => s !== 'score')) await callStage(db, stage, RUN);
  await serveUsageModel();
}, 300_000);

/**
 * A world this small serves the renewal baseline, which reads neither usage nor chains. The run's renewal
 * version is replaced by a logistic model on renewals so far, tenure and the filtered usage trends, and the
 * gate's verdict lets it serve: the shards then need the usage frame and whole chains to agree.
 */
async function serveUsageModel() {
  const batch = (await db.pool.query('select batch_id from run_batches where run_id = $1', [RUN])).rows[0].batch_id;
  const rows = await readSourceRows(db, batch, ['accounts', 'contracts', 'usage']);
  const model: RenewalModel = fitRenewalModel(renewalDecisions(rows.contracts, rows.accounts, rows.usage, `${drop.month}-31`),
    { minDecisions: 10, features: { usage: true, tenure: true, usageMeasure: 'latent-trend', users: true } });
  expect(model).toMatchObject({ kind: 'logistic', useUsage: true, usageMeasure: 'latent-trend' });
  await serveRenewalModel(db, RUN, model);
}

afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
  base?.cleanup();
});

describe('contract scoring in shards', () => {
  it('stores, in 7 shards, exactly the scores one shard stores, each shard scoring its own accounts', async () => {
    const acts = createActivities(depsFor(db));
    expect(await acts.planScores({ runId: RUN, shards: 7 })).toMatchObject({ shards: 7 });
    // Out of order and two at a time, as workers would take them.
    for (const pair of [[6, 2], [0, 5], [3, 1], [4]]) await Promise.all(pair.map((shard) => acts.scoreShard({ runId: RUN, shard, shards: 7 })));
    const sharded = await scoresOf(RUN);
    expect(sharded.length).toBeGreaterThan(50);
    // The plan carries the usage frame: the whole table's span and the filter's dynamics.
    const { plan } = (await db.pool.query('select plan from score_plans where run_id = $1', [RUN])).rows[0];
    expect(plan.usage.dynamics.units).toMatchObject({ phi: expect.any(Number) });

    // Each shard stored the contracts of the accounts whose md5 falls in it, and nothing else.
    const stored = (await db.pool.query('select shard, contracts from score_shards where run_id = $1 order by shard', [RUN])).rows;
    const expected = Array.from({ length: 7 }, (_, shard) => ({ shard, contracts: sharded.filter((s) => shardOf(s.account_id, 7) === shard).length }));
    expect(stored).toEqual(expected);
    expect(expected.filter((s) => s.contracts > 0).length).toBe(7);

    // The planted chain crosses shards, and its live contract is scored in its own account's shard.
    expect(shardOf(chain.b, 7)).not.toBe(shardOf(chain.a, 7));
    expect(sharded.find((s) => s.contract_id === chain.last)?.account_id).toBe(chain.a);
    expect(sharded.some((s) => s.contract_id === chain.first || s.contract_id === chain.middle)).toBe(false);

    await forgetScores(RUN);
    await acts.planScores({ runId: RUN, shards: 1 });
    await acts.scoreShard({ runId: RUN, shard: 0, shards: 1 });
    expect(await scoresOf(RUN)).toEqual(sharded);
  });

  it('reads a chain whole: scored without its middle contract, the live one would score differently', async () => {
    const acts = createActivities(depsFor(db));
    const withChain = (await scoresOf(RUN)).find((s) => s.contract_id === chain.last)!;
    // Break the chain in the stored rows (the run's batch only): the last contract then has no predecessor.
    const batch = (await db.pool.query('select batch_id from run_batches where run_id = $1', [RUN])).rows[0].batch_id;
    await db.pool.query('update src_contracts set previous_contract_id = null where batch_id = $1 and contract_id = $2', [batch, chain.last]);
    try {
      await forgetScores(RUN);
      await acts.planScores({ runId: RUN, shards: 7 });
      for (let shard = 0; shard < 7; shard++) await acts.scoreShard({ runId: RUN, shard, shards: 7 });
      const broken = (await scoresOf(RUN)).find((s) => s.contract_id === chain.last)!;
      // Not vacuous: the chain changes the live contract's renewal probability (renewals so far, tenure).
      expect(broken.renewal_probability).not.toBe(withChain.renewal_probability);
    } finally {
      await db.pool.query('update src_contracts set previous_contract_id = $3 where batch_id = $1 and contract_id = $2', [batch, chain.last, chain.middle]);
      await forgetScores(RUN);
    }
  });

  it('stores a shard once however often it is delivered, and refuses a shard of another count', async () => {
    const acts = createActivities(depsFor(db));
    await acts.planScores({ runId: RUN, shards: 3 });
    // A second plan with another count is the first plan: the run keeps the count it started with.
    expect(await acts.planScores({ runId: RUN, shards: 5 })).toMatchObject({ shards: 3 });
    await Promise.all([acts.scoreShard({ runId: RUN, shard: 1, shards: 3 }), acts.scoreShard({ runId: RUN, shard: 1, shards: 3 })]);
    const once = await fingerprint(db, 'contract_scores', 'run_id = $1', [RUN]);
    expect(once.n).toBeGreaterThan(0);
    await acts.scoreShard({ runId: RUN, shard: 1, shards: 3 });
    expect(await fingerprint(db, 'contract_scores', 'run_id = $1', [RUN])).toEqual(once);
    await expect(acts.scoreShard({ runId: RUN, shard: 0, shards: 4 })).rejects.toThrow(/scored in 3 shards/);
    // The score stage stores the shards still missing (0 and 2) itself, in the run's plan of 3, and counts them all.
    const summary = await callStage(db, 'score', RUN);
    expect(summary).toMatchObject({ shards: 3, contractsScored: (await scoresOf(RUN)).length });
    expect((await db.pool.query('select shard from score_shards where run_id = $1 order by shard', [RUN])).rows.map((r) => r.shard)).toEqual([0, 1, 2]);
    expect((await fingerprint(db, 'contract_scores', 'run_id = $1', [RUN])).n).toBeGreaterThan(once.n);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runActivities } from '../../activities/runs';
import { loadAttributionPolicy } from '../../config/attribution-policy';
import { csvObjects } from '../activities/support';
import { acvloop, startWorkerProcess } from '../helpers/cli';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';

/**
 * A run started with `--policy` (email touches do not count), then disputes
 * on it, as a user runs them. The disputed credit is checked against the
 * drop's CSV files read with an independent reader: the linear share of a
 * channel is its touches in the buying group's 180 days before the
 * opportunity was created, over all its counted touches.
 */
let db: Awaited<ReturnType<typeof suiteDb>>;
let drop: Awaited<ReturnType<typeof smallDrop>>;
let worker: ChildProcess;
let env: NodeJS.ProcessEnv;
let runId: string;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-dispute-'));
const policyFile = path.join(tmp, 'no-email.json');
const DAY = 86_400_000;
const AS_OF = '2026-11-01';

beforeAll(async () => {
  db = await suiteDb('dispute');
  drop = await smallDrop({ seed: 11, accounts: 300, months: 24 });
  fs.writeFileSync(policyFile, JSON.stringify({ version: '2.0.0', description: 'email is service, not marketing', touchpoints: { excludeChannels: ['email'] } }));
  env = { DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema, TEMPORAL_ADDRESS: inject('temporalAddress'), ACVLOOP_TASK_QUEUE: `dispute-${db.schema}` };
  worker = startWorkerProcess(env);
});

afterAll(async () => {
  worker?.kill('SIGTERM');
  await db?.drop();
  drop?.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const json = async (args: string[]) => {
  const r = await acvloop([...args, '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};
const refused = async (args: string[], message: RegExp) => {
  const r = await acvloop(args, env);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
};

/** Won opportunities with their linear shares per channel, computed from the CSV files alone (email left out, as the run's policy does, unless asked). */
function expectedLinearShares({ withEmail = false } = {}): Map<string, { shares: Record<string, number>; touches: number }> {
  const accounts = csvObjects(path.join(drop.dir, 'accounts.csv'));
  const parent = new Map(accounts.map((a) => [a.account_id, a.parent_account_id || null]));
  const top = (id: string): string => {
    let cur = id;
    for (let i = 0; i < 100; i++) {
      const p = parent.get(cur);
      if (!p) return cur;
      cur = p;
    }
    return cur;
  };
  const touchesByFamily = new Map<string, { channel: string; at: number }[]>();
  for (const t of csvObjects(path.join(drop.dir, 'touchpoints.csv'))) {
    if (t.channel === 'email' && !withEmail) continue;
    const list = touchesByFamily.get(top(t.account_id)) ?? [];
    list.push({ channel: t.channel, at: Date.parse(t.occurred_at.length === 10 ? `${t.occurred_at}T00:00:00Z` : t.occurred_at) });
    touchesByFamily.set(top(t.account_id), list);
  }
  const out = new Map<string, { shares: Record<string, number>; touches: number }>();
  for (const o of csvObjects(path.join(drop.dir, 'opportunities.csv'))) {
    if (o.stage !== 'won' || o.created_at >= AS_OF || (o.closed_at && o.closed_at >= AS_OF)) continue;
    const created = Date.parse(`${o.created_at}T00:00:00Z`);
    const journey = (touchesByFamily.get(top(o.account_id)) ?? []).filter((t) => t.at >= created - 180 * DAY && t.at < created);
    const shares: Record<string, number> = {};
    for (const t of journey) shares[t.channel] = (shares[t.channel] ?? 0) + 1 / journey.length;
    out.set(o.opportunity_id, { shares: journey.length ? shares : { '(none)': 1 }, touches: journey.length });
  }
  return out;
}

describe('attribution policy and disputes, as a user runs them', () => {
  it('refuses a bad policy file before starting anything, naming the file and the field', async () => {
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ version: '2.0.0', position: { first: 0.5, middle: 0.5, last: 0.5 } }));
    await refused(['run', '--month', '2026-10', '--drop', drop.dir, '--policy', bad], /bad\.json: position: first \+ middle \+ last must be 1, got 1\.5/);
  });

  it('runs with --policy: the run stores the policy, retrain records its version and hash and honours it', async () => {
    const run = await json(['run', '--month', '2026-10', '--drop', drop.dir, '--requested-by', 'alice', '--policy', policyFile, '--approval-timeout', '5m', '--wait']);
    expect(run.status).toBe('awaiting_approval');
    runId = run.runId;
    const policy = loadAttributionPolicy(policyFile);
    const stored = await db.pool.query('select attribution_policy from runs where run_id = $1', [runId]);
    expect(stored.rows[0].attribution_policy).toMatchObject({ version: '2.0.0', touchpoints: { excludeChannels: ['email'] }, lookbackDays: 180 });
    const mv = await db.pool.query(`select params, metrics from model_versions where model_version_id = $1`, [`${runId}/attribution`]);
    expect(mv.rows[0].params.policy).toMatchObject({ version: '2.0.0', sha256: policy.sha256 });
    expect(mv.rows[0].params.reportedModel).toBe('linear');
    expect(mv.rows[0].metrics.policy).toBe(policy.policyVersion);
    const summary = await db.pool.query(`select summary from run_stage_events where run_id = $1 and stage = 'retrain' and status = 'completed'`, [runId]);
    expect(summary.rows[0].summary.attributionPolicy).toBe(policy.policyVersion);
    const email = await db.pool.query(`select count(*)::int as n from attribution where run_id = $1 and key = 'email'`, [runId]);
    expect(email.rows[0].n).toBe(0); // under every model, stream and breakdown
    const channels = await db.pool.query(`select count(distinct key)::int as n from attribution where run_id = $1 and dimension = 'channel'`, [runId]);
    expect(channels.rows[0].n).toBeGreaterThan(5);
    const shown = await json(['show', runId]);
    expect(shown.attributionPolicy).toEqual({ version: '2.0.0', sha256: policy.sha256, reportedModel: 'linear' });
    expect(shown.disputes).toEqual([]);
  }, 180_000);

  it('records a dispute with the credit the run gave the opportunity (linear shares from the CSVs to 1e-9)', async () => {
    const expected = expectedLinearShares();
    const [oppId, want] = [...expected].find(([, e]) => Object.keys(e.shares).length >= 2)!;
    const d = await json(['dispute', runId, '--opportunity', oppId, '--reason', 'the event was booked by sales, not marketing', '--by', 'erin']);
    expect(d).toMatchObject({ runId, opportunityId: oppId, raisedBy: 'erin', model: 'linear', policyVersion: loadAttributionPolicy(policyFile).policyVersion });
    expect(d.credit.journey).toHaveLength(want.touches);
    expect(Object.keys(d.credit.byChannel).sort()).toEqual(Object.keys(want.shares).sort());
    const acv = await db.pool.query(`select acv_usd from src_contracts where opportunity_id = $1 order by start_date limit 1`, [oppId]);
    expect(Math.abs(d.credit.acv - Number(acv.rows[0].acv_usd))).toBeLessThan(1e-6);
    for (const [ch, share] of Object.entries(want.shares)) {
      expect(Math.abs(d.credit.byChannel[ch].conversions - share), ch).toBeLessThan(1e-9);
      expect(Math.abs(d.credit.byChannel[ch].acv - share * d.credit.acv), ch).toBeLessThan(1e-6);
    }
    const audit = await db.pool.query(`select actor, reason, model_version_id, after from audit_log where action = 'dispute.raised' and run_id = $1`, [runId]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ actor: 'erin', reason: 'the event was booked by sales, not marketing', model_version_id: `${runId}/attribution` });
    expect(audit.rows[0].after.disputeId).toBe(d.id);

    const shown = await json(['show', runId]);
    expect(shown.disputes).toHaveLength(1);
    expect(shown.disputes[0]).toMatchObject({ id: d.id, opportunityId: oppId, raisedBy: 'erin', month: '2026-10', model: 'linear' });
    const text = await acvloop(['show', runId], env);
    expect(text.stdout).toMatch(/Reported attribution: linear \(attribution policy 2\.0\.0/);
    expect(text.stdout).toMatch(new RegExp(`Open attribution disputes[\\s\\S]*${d.id}\\s+${runId}\\s+${oppId}\\s+erin`));
  });

  it('refuses an unknown run, an opportunity the run did not attribute, and a dispute without a reason', async () => {
    const opps = csvObjects(path.join(drop.dir, 'opportunities.csv'));
    const lost = opps.find((o) => o.stage === 'lost' && o.created_at < AS_OF)!;
    await refused(['dispute', 'cycle-nope', '--opportunity', lost.opportunity_id, '--reason', 'x', '--by', 'erin'], /no run cycle-nope/);
    await refused(['dispute', runId, '--opportunity', 'OPP-NOT-THERE', '--reason', 'x', '--by', 'erin'], new RegExp(`run ${runId} did not attribute opportunity OPP-NOT-THERE: it is not in the run's drop`));
    await refused(['dispute', runId, '--opportunity', lost.opportunity_id, '--reason', 'x', '--by', 'erin'], /it was lost, and only won deals are credited/);
    const open = opps.find((o) => o.stage === 'open' && o.created_at < AS_OF);
    if (open) await refused(['dispute', runId, '--opportunity', open.opportunity_id, '--reason', 'x', '--by', 'erin'], /it was open, and only won deals are credited/);
    const won = [...expectedLinearShares().keys()][0];
    await refused(['dispute', runId, '--opportunity', won, '--reason', '  ', '--by', 'erin'], /a dispute needs a reason/);
    await refused(['dispute', runId, '--reason', 'no opportunity named'], /acvloop dispute needs --opportunity ID/);
    const n = await db.pool.query('select count(*)::int as n from disputes');
    expect(n.rows[0].n).toBe(1);
  });

  it('lists open disputes in runs of the same month and later, not earlier; resolving closes them once', async () => {
    const reg = runActivities({ db, codeVersion: 'test' });
    for (const month of ['2026-09', '2026-11']) {
      await reg.registerRun({ runId: `other-${month}`, month, dropPath: drop.dir, dropSha256: drop.sha256, version: 1, requestedBy: 'bob', workflowRunId: 'x' });
    }
    expect((await json(['show', 'other-2026-09'])).disputes).toEqual([]);
    const later = (await json(['show', 'other-2026-11'])).disputes;
    expect(later.map((d: { runId: string }) => d.runId)).toEqual([runId]);

    const id = later[0].id;
    const r = await json(['dispute', 'resolve', id, '--by', 'frank', '--note', 'checked with sales ops: credit stands']);
    expect(r).toMatchObject({ id, runId, resolvedBy: 'frank' });
    expect((await json(['show', runId])).disputes).toEqual([]);
    await refused(['dispute', 'resolve', id, '--by', 'frank', '--note', 'again'], new RegExp(`dispute ${id} was already resolved by frank at `));
    await refused(['dispute', 'resolve', '99999', '--by', 'frank', '--note', 'x'], /no dispute 99999/);
    const audit = await db.pool.query(`select actor, reason from audit_log where action = 'dispute.resolved'`);
    expect(audit.rows).toEqual([{ actor: 'frank', reason: 'checked with sales ops: credit stands' }]);
  });

  it('reportedModel markov: the credit beside incrementality is Markov\'s, and a dispute splits the deal by the run\'s removal effects', async () => {
    const markovFile = path.join(tmp, 'markov.json');
    fs.writeFileSync(markovFile, JSON.stringify({ version: '2.1.0', reportedModel: 'markov' }));
    const run = await json(['run', '--month', '2026-10', '--drop', drop.dir, '--requested-by', 'alice', '--policy', markovFile, '--rerun', '--approval-timeout', '5m', '--wait']);
    expect(run.status).toBe('awaiting_approval');
    const markov = await db.pool.query(`select key, acv_usd from attribution where run_id = $1 and revenue = 'new' and model = 'markov' and dimension = 'channel'`, [run.runId]);
    const inc = await db.pool.query(`select channel, detail from incrementality where run_id = $1`, [run.runId]);
    const markovAcv = new Map(markov.rows.map((r) => [r.key, r.acv_usd]));
    expect(inc.rows.length).toBeGreaterThan(3);
    for (const r of inc.rows) expect(Math.abs(r.detail.attributedAcv - (markovAcv.get(r.channel) ?? 0)), r.channel).toBeLessThan(1e-6);

    // A deal whose journey holds email beside another channel: this policy counts email again.
    const [oppId] = [...expectedLinearShares({ withEmail: true })].find(([, e]) => Object.keys(e.shares).length >= 2 && 'email' in e.shares)!;
    const d = await json(['dispute', run.runId, '--opportunity', oppId, '--reason', 'markov check', '--by', 'erin']);
    expect(d.model).toBe('markov');
    const re = await db.pool.query(`select channel, removal_effect from attribution_removal_effects where run_id = $1 and revenue = 'new'`, [run.runId]);
    const effect = new Map(re.rows.map((r) => [r.channel, r.removal_effect]));
    const channels = [...new Set(d.credit.journey.map((t: { channel: string }) => t.channel))] as string[];
    expect(channels).toContain('email'); // this policy counts email again
    const total = channels.reduce((x, c) => x + effect.get(c)!, 0);
    for (const c of channels) expect(Math.abs(d.credit.byChannel[c].acv - (d.credit.acv * effect.get(c)!) / total), c).toBeLessThan(1e-6);
    await json(['dispute', 'resolve', d.id, '--by', 'frank', '--note', 'checked']);
  }, 180_000);

  it('the database itself refuses to change or remove a dispute or a resolution', async () => {
    for (const statement of ["update disputes set reason = 'edited'", 'delete from disputes', 'truncate disputes cascade',
      "update dispute_resolutions set note = 'edited'", 'delete from dispute_resolutions']) {
      await expect(db.pool.query(statement), statement).rejects.toThrow(/append-only/);
    }
  });
});

/**
 * `acvloop lineage` and `acvloop audit` as a user runs them, on a cycle whose
 * activities ran against this suite's schema (no Temporal needed: the commands
 * read Postgres only). The references are independent of the code under test:
 * file hashes computed here from the bytes on disk, the code version and
 * reviewer the test planted, and rows queried directly. Also: the governance
 * tables migration 0004 made append-only refuse UPDATE and DELETE in Postgres
 * itself (audit_log's UPDATE/DELETE/TRUNCATE are in tests/sql/migrations.test.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { depsFor, registerRun, runAllStages, type TestDb, type TestDrop } from '../activities/support';
import { acvloop } from '../helpers/cli';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';

let db: TestDb;
let drop: TestDrop;
let env: NodeJS.ProcessEnv;
let diskFiles: { file: string; sha256: string }[];
const runId = 'la-1';
const gapRun = 'la-gap';
const fakeSha = 'f'.repeat(64);

beforeAll(async () => {
  db = await suiteDb('e2e_lineage_audit');
  drop = await smallDrop({ seed: 44, accounts: 300, months: 24 });
  env = { DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema };
  await registerRun(db, runId, drop, 'alice');
  await runAllStages(db, runId);
  const acts = createActivities(depsFor(db));
  await acts.recordDecision({ runId, decision: 'approved', reviewer: 'erin', reason: 'attribution reconciles', at: new Date().toISOString() });
  await acts.publish({ runId });
  // A run that wrote a KPI row without any stage reporting it: a lineage gap.
  await registerRun(db, gapRun, { dir: '/nonexistent/drop', sha256: fakeSha, month: '2026-10' }, 'bob');
  await db.pool.query(`insert into kpis (run_id, name, dimension, key, value, detail) values ($1, 'x', 'all', 'all', 1, '{}')`, [gapRun]);
  diskFiles = fs.readdirSync(drop.dir).filter((f) => f.endsWith('.csv')).sort()
    .map((f) => ({ file: f, sha256: createHash('sha256').update(fs.readFileSync(path.join(drop.dir, f))).digest('hex') }));
});

afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
});

async function json(args: string[]) {
  const r = await acvloop(args, env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('acvloop lineage', () => {
  let report: any;
  beforeAll(async () => {
    report = await json(['lineage', runId, '--json']);
  });

  it('prints the run, its stored events in order, its outputs and the drop files with their hashes', async () => {
    expect(Object.keys(report).slice(0, 5)).toEqual(['runId', 'codeVersion', 'events', 'outputs', 'files']);
    expect(report.runId).toBe(runId);
    const stored = (await db.pool.query('select event from lineage_events where run_id = $1 order by id', [runId])).rows.map((r) => r.event);
    expect(report.events).toEqual(stored);
    expect(report.files.map((f: any) => ({ file: f.file, sha256: f.sha256 }))).toEqual(diskFiles);
    const versions = (await db.pool.query('select contract_versions from validation_reports')).rows[0].contract_versions;
    for (const f of report.files) expect(f.contractVersion, f.file).toBe(versions[f.file]);
  });

  it('traces every output to drop files by content hash, with the code version the run recorded', () => {
    expect(report.complete).toBe(true);
    expect(report.gaps).toEqual({ untraced: [], notFromDrop: [], unrecorded: [] });
    const onDisk = new Set(diskFiles.map((f) => `${f.file}@${f.sha256}`));
    for (const o of report.outputs) {
      expect(o.upstreamFiles.length, o.dataset).toBeGreaterThan(0);
      for (const f of o.upstreamFiles) expect(onDisk.has(`${f.file}@${f.sha256}`), `${o.dataset} <- ${f.file}`).toBe(true);
      expect(o.codeVersion).toBe('test-activities'); // what depsFor planted
      expect(Object.keys(o)).toEqual(expect.arrayContaining(['dataset', 'producedBy', 'upstreamFiles', 'via', 'modelVersions', 'codeVersion']));
    }
    const scores = report.outputs.find((o: any) => o.table === 'contract_scores');
    expect(scores.producedBy).toBe('score');
    expect(scores.dataset).toBe(`postgres://acvloop/${db.schema}.contract_scores`);
  });

  it('names the model versions on the way: the run\'s own, and the champions its backtest read', async () => {
    const own = (await db.pool.query('select model_version_id from model_versions where run_id = $1 order by 1', [runId])).rows.map((r) => r.model_version_id);
    expect(own.length).toBeGreaterThan(0);
    const mv = report.outputs.find((o: any) => o.table === 'model_versions');
    expect(mv.modelVersions).toEqual(expect.arrayContaining(own));
    const champions = (await db.pool.query(`select distinct model_version_id from backtests where run_id = $1 and role = 'champion'`, [runId])).rows
      .map((r) => r.model_version_id);
    expect(champions.length).toBeGreaterThan(0);
    const bt = report.outputs.find((o: any) => o.table === 'backtests');
    expect(bt.modelVersions).toEqual(expect.arrayContaining([...champions, ...own]));
  });

  it('prints a short tree per output for people', async () => {
    const r = await acvloop(['lineage', runId], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/complete: every output leads back to the drop files/);
    expect(r.stdout).toMatch(/^contract_scores {2}\(written by score\)\n {2}├ via {4}.*retrain → .*gate → score\n/m);
    expect(r.stdout).toMatch(new RegExp(`^contract_scores .*\\n(  ├ .*\\n)+  └ files  all ${diskFiles.length} drop files above$`, 'm'));
    for (const f of diskFiles) expect(r.stdout).toMatch(new RegExp(`^${f.file.replace('.', '\\.')} +${f.sha256.slice(0, 12)} `, 'm'));
  });

  it('reports a table with rows of the run that no stage reported; --check exits 1 on it', async () => {
    const gap = await json(['lineage', gapRun, '--json']);
    expect(gap.complete).toBe(false);
    expect(gap.gaps.unrecorded).toEqual(['kpis']);
    const checked = await acvloop(['lineage', gapRun, '--check'], env);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(/unrecorded: table kpis has rows of the run but no stage reported writing it/);
    expect((await acvloop(['lineage', runId, '--check'], env)).code).toBe(0);
  });

  it('refuses an unknown run with one line', async () => {
    const r = await acvloop(['lineage', 'no-such-run'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`acvloop: no run no-such-run in schema ${db.schema}\n`);
  });
});

describe('acvloop audit', () => {
  beforeAll(async () => {
    // An entry about a drop with no run, and one naming its model version.
    await db.pool.query(`insert into audit_log (actor, action, run_id, drop_sha256, reason) values ('dana', 'drop.note', null, $1, 'checked by hand')`, [drop.sha256]);
    await db.pool.query(`insert into audit_log (actor, action, run_id, model_version_id, reason) values ('erin', 'model.note', $1, $2, 'looked at it')`,
      [runId, `${runId}/renewal`]);
  });

  it('prints every entry with who, what, when, before and after, and the drop by its files\' hashes', async () => {
    const { entries } = await json(['audit', '--json']);
    const raw = (await db.pool.query('select id, actor, action, run_id from audit_log order by id')).rows;
    expect(entries.map((e: any) => [String(e.id), e.actor, e.action, e.runId])).toEqual(raw.map((r) => [r.id, r.actor, r.action, r.run_id]));
    for (const e of entries) {
      expect(Object.keys(e)).toEqual(['id', 'at', 'actor', 'action', 'runId', 'before', 'after', 'reason', 'modelVersion', 'dropSha256', 'dropFiles']);
      expect(Number.isNaN(Date.parse(e.at))).toBe(false);
    }
    const ofRun = entries.filter((e: any) => e.runId === runId || e.action === 'drop.note');
    expect(ofRun.length).toBeGreaterThan(3);
    for (const e of ofRun) {
      expect(e.dropSha256, e.action).toBe(drop.sha256);
      expect(e.dropFiles, e.action).toEqual(diskFiles);
    }
    expect(entries.find((e: any) => e.action === 'run.approved')).toMatchObject({ actor: 'erin', reason: 'attribution reconciles' });
    expect(entries.find((e: any) => e.action === 'model.note').modelVersion).toBe(`${runId}/renewal`);
    // A run that never ingested: the hash it was started with, and no files.
    expect(entries.find((e: any) => e.runId === gapRun)).toMatchObject({ actor: 'bob', dropSha256: fakeSha, dropFiles: [] });
  });

  it('filters by run, by action prefix and by time', async () => {
    const byRun = (await json(['audit', '--run', gapRun, '--json'])).entries;
    expect(byRun.map((e: any) => e.action)).toEqual(['run.requested']);
    const moves = (await json(['audit', '--action', 'alias.', '--json'])).entries;
    // The gate moved `challenger` to every version it could (by acvloop); publish moved `champion` to those that passed (by the approver).
    const families = (await db.pool.query(`select family from model_versions where run_id = $1 and params->>'kind' is distinct from 'unavailable' order by family`, [runId])).rows.map((r) => r.family);
    const promoted = (await db.pool.query('select promote from gate_verdicts where run_id = $1', [runId])).rows[0].promote as string[];
    const byAlias = (alias: string) => moves.filter((e: any) => e.after.alias === alias);
    expect(byAlias('challenger').map((e: any) => e.after.family).sort()).toEqual(families);
    expect(byAlias('champion').map((e: any) => e.after.family).sort()).toEqual([...promoted].sort());
    expect(moves.length).toBe(families.length + promoted.length);
    for (const m of byAlias('challenger')) expect(m).toMatchObject({ action: 'alias.move', actor: 'acvloop', before: { version: null }, after: { version: `${runId}/${m.after.family}` } });
    for (const m of byAlias('champion')) expect(m).toMatchObject({ action: 'alias.move', actor: 'erin', before: { version: null }, after: { version: `${runId}/${m.after.family}` } });
    expect((await json(['audit', '--since', '2999-01-01', '--json'])).entries).toEqual([]);
    expect((await json(['audit', '--since', '2000-01-01T00:00:00Z', '--json'])).entries.length).toBeGreaterThan(0);
  });

  it('prints a table for people, and a clear error for a bad --since', async () => {
    const r = await acvloop(['audit', '--run', runId], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^id\s+at\s+actor\s+action\s+run\s+change\s+reason\s+model version\s+drop/);
    expect(r.stdout).toMatch(new RegExp(`alias\\.move\\s+${runId}\\s+none → ${runId}/`));
    const bad = await acvloop(['audit', '--since', 'last tuesday'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^acvloop: --since "last tuesday": expected a date/);
  });
});

describe('governance tables are append-only in Postgres itself', () => {
  beforeAll(async () => {
    await db.pool.query(`insert into approval_decisions (run_id, reviewer, decision, reason, decided_at) values ($1, 'erin', 'approved', 'ok', now())`, [runId]);
  });

  for (const t of ['model_versions', 'model_alias_events', 'approval_decisions'] as const) {
    it(`${t} refuses UPDATE, DELETE and TRUNCATE, by SQL and through kysely, and keeps its rows`, async () => {
      const before = (await db.pool.query(`select count(*)::int as n, md5(string_agg(t::text, '' order by t::text)) as h from ${t} t`)).rows[0];
      expect(before.n).toBeGreaterThan(0);
      await expect(db.pool.query(`update ${t} set run_id = 'mallory'`)).rejects.toThrow(new RegExp(`${t} is append-only: UPDATE`));
      await expect(db.pool.query(`delete from ${t}`)).rejects.toThrow(new RegExp(`${t} is append-only: DELETE`));
      await expect(db.db.deleteFrom(t).where('run_id', '=', runId).execute()).rejects.toThrow(/append-only/);
      await expect(db.pool.query(`truncate ${t} cascade`)).rejects.toThrow(new RegExp(`${t} is append-only: TRUNCATE`));
      const after = (await db.pool.query(`select count(*)::int as n, md5(string_agg(t::text, '' order by t::text)) as h from ${t} t`)).rows[0];
      expect(after).toEqual(before);
    });
  }
});

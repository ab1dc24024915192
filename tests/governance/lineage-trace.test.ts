/**
 * Lineage trace: every output of a run led back to the drop files by content
 * hash. First the pure trace on hand-built event lists whose answers are
 * worked out by hand (a chain, a diamond, a dead end, a loop, one path seen
 * with two hashes); then completeness on a real cycle's stored events: every
 * table holding rows of the run reaches files whose sha256 we compute from the
 * bytes on disk, and removing any one stage's COMPLETE event breaks the check.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { lineageGaps, traceLineage, RUN_RECORD_TABLES, type LineageRunEvent } from '../../governance/lineage-trace';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { depsFor, registerRun, runAllStages, STAGE_WRITES, type TestDb, type TestDrop } from '../activities/support';

// ---------------------------------------------------------------------------
// Hand-built events
// ---------------------------------------------------------------------------

const file = (name: string, sha256: string, contractVersion?: string) =>
  ({ namespace: 'file', name: `/drops/d/${name}`, facets: { acvloop_content: { sha256, ...(contractVersion ? { contractVersion } : {}) } } });
const pg = (table: string) => ({ namespace: 'postgres://acvloop', name: `s.${table}` });
const ev = (job: string, inputs: LineageRunEvent['inputs'], outputs: LineageRunEvent['outputs'], eventType = 'COMPLETE'): LineageRunEvent =>
  ({ eventType, job: { namespace: 'acvloop', name: `monthly_cycle.${job}` }, inputs, outputs,
    run: { facets: { parent: { job: { name: 'monthly_cycle' } } } } });
const out = (trace: ReturnType<typeof traceLineage>, table: string) => {
  const o = trace.outputs.find((x) => x.table === table);
  if (!o) throw new Error(`no output ${table} in ${trace.outputs.map((x) => x.table).join(', ')}`);
  return o;
};
const shas = (o: { upstreamFiles: { file: string; sha256: string }[] }) => o.upstreamFiles.map((f) => `${f.file}@${f.sha256}`);

describe('traceLineage on hand-built events', () => {
  it('a chain: file -> raw -> src -> model; each output knows every job on its way, in run order', () => {
    const t = traceLineage([
      ev('ingest', [file('a.csv', 'aa')], [pg('raw')]),
      ev('validate', [pg('raw')], [pg('src')]),
      ev('retrain', [pg('src')], [pg('model')]),
    ]);
    expect(t.outputs.map((o) => o.dataset)).toEqual(['postgres://acvloop/s.model', 'postgres://acvloop/s.raw', 'postgres://acvloop/s.src']);
    expect(out(t, 'model')).toMatchObject({ producedBy: 'retrain', via: ['ingest', 'validate', 'retrain'], upstreamDatasets: ['postgres://acvloop/s.raw', 'postgres://acvloop/s.src'] });
    expect(out(t, 'model').upstreamFiles).toEqual([{ file: 'a.csv', path: '/drops/d/a.csv', sha256: 'aa', contractVersion: null }]);
    expect(out(t, 'raw').via).toEqual(['ingest']);
    expect(t.untraced).toEqual([]);
    expect(t.files.map((f) => f.sha256)).toEqual(['aa']);
  });

  it('a diamond: two files through two jobs into one output, which reaches both and every job once', () => {
    const t = traceLineage([
      ev('left', [file('a.csv', 'aa', '1.0.0')], [pg('x')]),
      ev('right', [file('b.csv', 'bb', '2.1.0')], [pg('y')]),
      ev('join', [pg('x'), pg('y')], [pg('z')]),
    ]);
    expect(shas(out(t, 'z'))).toEqual(['a.csv@aa', 'b.csv@bb']);
    expect(out(t, 'z').upstreamFiles.map((f) => f.contractVersion)).toEqual(['1.0.0', '2.1.0']);
    expect(out(t, 'z').via).toEqual(['left', 'right', 'join']);
    expect(shas(out(t, 'x'))).toEqual(['a.csv@aa']);
    expect(shas(out(t, 'y'))).toEqual(['b.csv@bb']);
  });

  it('an output with no path to a file is untraced, and jobs off the file paths are not "via"', () => {
    const t = traceLineage([
      ev('ingest', [file('a.csv', 'aa')], [pg('raw')]),
      ev('publish', [pg('approvals'), pg('raw')], [pg('published')]),
      ev('orphan', [pg('elsewhere')], [pg('w')]),
    ]);
    expect(t.untraced).toEqual(['postgres://acvloop/s.w']);
    expect(out(t, 'w').upstreamFiles).toEqual([]);
    expect(out(t, 'w').via).toEqual([]);
    // approvals is upstream of published but comes from no file: the path that counts goes through raw.
    expect(out(t, 'published')).toMatchObject({ via: ['ingest', 'publish'], upstreamDatasets: ['postgres://acvloop/s.approvals', 'postgres://acvloop/s.raw'] });
  });

  it('paths follow the order of the events: a table written after a stage read it is not upstream of that stage', () => {
    const t = traceLineage([
      ev('retrain', [file('a.csv', 'aa')], [pg('model_versions')]),
      ev('backtest', [pg('model_versions'), pg('model_alias_events')], [pg('backtests')]),
      ev('publish', [pg('model_versions'), pg('approvals')], [pg('model_alias_events')]),
    ]);
    expect(out(t, 'backtests')).toMatchObject({
      via: ['retrain', 'backtest'],
      upstreamDatasets: ['postgres://acvloop/s.model_alias_events', 'postgres://acvloop/s.model_versions'],
      // Read, but not written by the run before the backtest read it.
      upstreamWritten: ['postgres://acvloop/s.model_versions'],
    });
    expect(out(t, 'model_alias_events').via).toEqual(['retrain', 'publish']);
    // The same events in the other order: the publish now precedes the backtest and is on its way.
    const swapped = traceLineage([
      ev('retrain', [file('a.csv', 'aa')], [pg('model_versions')]),
      ev('publish', [pg('model_versions'), pg('approvals')], [pg('model_alias_events')]),
      ev('backtest', [pg('model_versions'), pg('model_alias_events')], [pg('backtests')]),
    ]);
    expect(out(swapped, 'backtests').via).toEqual(['retrain', 'publish', 'backtest']);
    expect(out(swapped, 'backtests').upstreamWritten).toEqual(['postgres://acvloop/s.model_alias_events', 'postgres://acvloop/s.model_versions']);
  });

  it('a dataset fed from a file only after a stage read it does not make that stage traced', () => {
    const t = traceLineage([
      ev('early', [pg('src')], [pg('early_out')]),
      ev('load', [file('a.csv', 'aa')], [pg('src')]),
    ]);
    expect(t.untraced).toEqual(['postgres://acvloop/s.early_out']);
    expect(out(t, 'early_out').via).toEqual([]);
  });

  it('only COMPLETE events make edges: START and FAIL with the same datasets trace nothing', () => {
    const t = traceLineage([
      ev('ingest', [file('a.csv', 'aa')], [pg('raw')], 'START'),
      ev('ingest', [file('a.csv', 'aa')], [pg('raw')], 'FAIL'),
    ]);
    expect(t.outputs).toEqual([]);
    expect(t.files).toEqual([]);
  });

  it('a loop between two datasets ends, and both trace to the file that feeds it', () => {
    const t = traceLineage([
      ev('seed', [file('a.csv', 'aa')], [pg('p')]),
      ev('forward', [pg('p')], [pg('q')]),
      ev('back', [pg('q')], [pg('p')]),
    ]);
    expect(shas(out(t, 'p'))).toEqual(['a.csv@aa']);
    expect(shas(out(t, 'q'))).toEqual(['a.csv@aa']);
    expect(out(t, 'p').writtenBy).toEqual(['seed', 'back']);
    expect(out(t, 'p').via).toEqual(['seed', 'forward', 'back']);
    expect(out(t, 'q').via).toEqual(['seed', 'forward']);
    expect(out(t, 'p').producedBy).toBe('seed');
  });

  it('files are identified by content: one path seen with two hashes is two files; a file with no hash is no root', () => {
    const t = traceLineage([
      ev('ingest', [file('a.csv', 'aa')], [pg('raw')]),
      ev('validate', [file('a.csv', 'a2', '1.0.0')], [pg('src')]),
      ev('other', [{ namespace: 'file', name: '/drops/d/b.csv' }], [pg('unhashed')]),
    ]);
    expect(shas(out(t, 'raw'))).toEqual(['a.csv@aa']);
    expect(shas(out(t, 'src'))).toEqual(['a.csv@a2']);
    expect(t.untraced).toEqual(['postgres://acvloop/s.unhashed']);
    // The drop had a.csv with hash aa: src traces to a file the drop does not contain.
    const gaps = lineageGaps(t, [{ file: 'a.csv', sha256: 'aa' }], ['raw', 'src', 'runs']);
    expect(gaps.notFromDrop).toEqual([{ dataset: 'postgres://acvloop/s.src', file: 'a.csv', sha256: 'a2' }]);
  });

  it('a file named first without and then with its contract version keeps the version', () => {
    const t = traceLineage([
      ev('ingest', [file('a.csv', 'aa')], [pg('raw')]),
      ev('validate', [file('a.csv', 'aa', '3.0.0')], [pg('src')]),
    ]);
    expect(out(t, 'raw').upstreamFiles[0].contractVersion).toBe('3.0.0');
  });

  it('lineageGaps names tables with rows of the run that no event reports, but not the run records', () => {
    const t = traceLineage([ev('ingest', [file('a.csv', 'aa')], [pg('raw')])]);
    expect(lineageGaps(t, [{ file: 'a.csv', sha256: 'aa' }], ['raw', 'scores', ...RUN_RECORD_TABLES]))
      .toEqual({ untraced: [], notFromDrop: [], unrecorded: ['scores'] });
  });
});

// ---------------------------------------------------------------------------
// Completeness on a real cycle
// ---------------------------------------------------------------------------

let db: TestDb;
let drop: TestDrop;
const runId = 'trace-1';
let events: LineageRunEvent[];
let eventJobs: { job: string; event_type: string }[];
let runTables: string[];
let dropFiles: { file: string; sha256: string }[];

describe('lineage completeness of a full cycle', () => {
  beforeAll(async () => {
    db = await suiteDb('act_trace');
    drop = await smallDrop({ seed: 43, accounts: 300, months: 24 });
    await registerRun(db, runId, drop);
    await runAllStages(db, runId);
    // Approved and published, so the alias moves and the publication are outputs of the run too.
    const acts = createActivities(depsFor(db));
    await acts.prepareApproval({ runId });
    await acts.recordDecision({ runId, decision: 'approved', reviewer: 'erin', reason: 'checked', at: new Date().toISOString() });
    await acts.publish({ runId });

    const rows = (await db.pool.query('select job, event_type, event from lineage_events where run_id = $1 order by id', [runId])).rows;
    events = rows.map((r) => r.event);
    eventJobs = rows.map((r) => ({ job: r.job, event_type: r.event_type }));
    // Every table of the schema with a run_id column that holds rows of this run.
    const tables = (await db.pool.query(
      `select table_name from information_schema.columns where table_schema = $1 and column_name = 'run_id' order by table_name`, [db.schema])).rows;
    runTables = [];
    for (const { table_name } of tables) {
      const n = await db.pool.query(`select count(*)::int as n from "${table_name}" where run_id = $1`, [runId]);
      if (n.rows[0].n > 0) runTables.push(table_name);
    }
    // The drop's identity from the bytes on disk, hashed here, not by the code under test.
    dropFiles = fs.readdirSync(drop.dir).filter((f) => f.endsWith('.csv')).sort()
      .map((f) => ({ file: f, sha256: createHash('sha256').update(fs.readFileSync(path.join(drop.dir, f))).digest('hex') }));
  });

  afterAll(async () => {
    await db?.drop();
    drop?.cleanup();
  });

  it('finds the output tables by their run_id column (not a vacuous list)', () => {
    const expected = [...STAGE_WRITES.detectDrift, ...STAGE_WRITES.buildGraph, ...STAGE_WRITES.retrain, ...STAGE_WRITES.backtest, 'gate_verdicts', ...STAGE_WRITES.score,
      'approval_requests', 'model_alias_events', 'publications'];
    for (const t of expected) expect(runTables, t).toContain(t);
  });

  it('every table with rows of the run leads back to the drop files, matched by name and sha256', () => {
    const trace = traceLineage(events);
    expect(lineageGaps(trace, dropFiles, runTables)).toEqual({ untraced: [], notFromDrop: [], unrecorded: [] });
    for (const t of runTables.filter((x) => !RUN_RECORD_TABLES.includes(x))) {
      const o = trace.outputs.find((x) => x.table === t)!;
      expect(o.upstreamFiles.length, t).toBeGreaterThan(0);
    }
    // Every file of the drop is a root, each with the hash of its bytes.
    expect(trace.files.map((f) => ({ file: f.file, sha256: f.sha256 }))).toEqual(dropFiles);
  });

  it('traces what a reviewer would expect: scores from the contracts file, through retrain and score', () => {
    const trace = traceLineage(events);
    const scores = trace.outputs.find((o) => o.table === 'contract_scores')!;
    const contracts = dropFiles.find((f) => f.file === 'contracts.csv')!;
    expect(scores.upstreamFiles.map((f) => `${f.file}@${f.sha256}`)).toContain(`contracts.csv@${contracts.sha256}`);
    expect(scores.via).toContain('retrain');
    expect(scores.via.at(-1)).toBe('score');
    expect(scores.upstreamFiles.every((f) => f.contractVersion !== null)).toBe(true);
    const alias = trace.outputs.find((o) => o.table === 'model_alias_events')!;
    expect(alias.via.at(-1)).toBe('publish');
    // The backtest read model_alias_events before the publish wrote this run's moves.
    expect(trace.outputs.find((o) => o.table === 'backtests')!.via).not.toContain('publish');
  });

  it("dropping one stage's COMPLETE event breaks the check, naming exactly the tables only that stage wrote", () => {
    for (const job of ['drift', 'graph', 'retrain', 'backtest', 'gate', 'score', 'approval_request', 'publish']) {
      const kept = events.filter((_, i) => !(eventJobs[i].job === job && eventJobs[i].event_type === 'COMPLETE'));
      expect(kept.length, job).toBe(events.length - 1);
      const gaps = lineageGaps(traceLineage(kept), dropFiles, runTables);
      const tablesOf = (e: any) => e.outputs.map((d: { name: string }) => d.name.split('.').pop() as string);
      // A table another stage also writes (the gate's challenger moves, publish's champion moves) stays traced through that stage.
      const byOthers = new Set(events.filter((_, i) => eventJobs[i].job !== job && eventJobs[i].event_type === 'COMPLETE').flatMap(tablesOf));
      const written = tablesOf(events[eventJobs.findIndex((e) => e.job === job && e.event_type === 'COMPLETE')])
        .filter((t: string) => runTables.includes(t) && !RUN_RECORD_TABLES.includes(t) && !byOthers.has(t)).sort();
      expect(written.length, job).toBeGreaterThan(0);
      expect(gaps.unrecorded, job).toEqual(written);
    }
  });

  it('without the events that read the files, everything downstream is untraced', () => {
    const kept = events.filter((_, i) => !(['validate', 'lineage'].includes(eventJobs[i].job) && eventJobs[i].event_type === 'COMPLETE'));
    const gaps = lineageGaps(traceLineage(kept), dropFiles, runTables);
    expect(gaps.untraced).toEqual(expect.arrayContaining([`postgres://acvloop/${db.schema}.attribution`, `postgres://acvloop/${db.schema}.contract_scores`]));
  });

  it('a file whose recorded hash differs from the bytes on disk is reported as not from the drop', () => {
    const tampered = structuredClone(events) as any[];
    for (const e of tampered) {
      for (const d of [...e.inputs, ...e.outputs]) {
        if (d.namespace === 'file' && d.name.endsWith('/spend.csv')) d.facets.acvloop_content.sha256 = '0'.repeat(64);
      }
    }
    const gaps = lineageGaps(traceLineage(tampered), dropFiles, runTables);
    expect(gaps.notFromDrop.length).toBeGreaterThan(0);
    expect(new Set(gaps.notFromDrop.map((g) => g.file))).toEqual(new Set(['spend.csv']));
    expect(gaps.notFromDrop.map((g) => g.dataset)).toContain(`postgres://acvloop/${db.schema}.incrementality`);
  });
});

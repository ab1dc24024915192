/**
 * Idempotency of every stage on real Postgres: a retried stage (attempt 2, as
 * Temporal would run it) and a duplicate delivery running concurrently with
 * the first leave exactly the rows one call leaves; two runs of one drop share
 * one ingest batch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashDrop } from '../../contracts/drop-hash';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import {
  batchOfRun, callStage, callStageAsAttempt, copyDrop, count, DATA_TABLES, fingerprint, fingerprints, physicalDataLines, readCsv,
  registerRun, RUN_TABLES, SRC_TABLES, STAGE_JOB, STAGE_WRITES, STAGES, without, writeCsv, type TestDb, type TestDrop,
} from './support';

let db: TestDb;
let base: TestDrop;
/**
 * The drop under test: `base` plus two planted bad rows, so the quarantine has
 * rows to duplicate, and one active contract's invoices taken out, so the
 * finance has a billing gap to list.
 */
let drop: TestDrop;

const BAD_TOUCHPOINT = 'TP-BAD-000001,ACC-99999,CON-99999-1,webinar,,2026-01-05T10:00:00Z,online';
const BAD_USAGE = 'ACC-00001,2026-02,-5,10.0';

beforeAll(async () => {
  db = await suiteDb('act_idem');
  base = await smallDrop({ seed: 11, accounts: 300, months: 24, experiments: true });
  const dir = copyDrop(base.dir, 'planted');
  fs.appendFileSync(path.join(dir, 'touchpoints.csv'), BAD_TOUCHPOINT + '\n');
  fs.appendFileSync(path.join(dir, 'usage.csv'), BAD_USAGE + '\n');
  const contracts = readCsv(path.join(dir, 'contracts.csv'));
  const at = (name: string) => contracts.header.indexOf(name);
  const unbilled = contracts.records.map((r) => r.values)
    .find((v) => v[at('status')] === 'active' && v[at('start_date')] < '2026-06-01' && v[at('end_date')] > '2026-11-01')![at('contract_id')];
  const invoices = readCsv(path.join(dir, 'invoices.csv'));
  writeCsv(path.join(dir, 'invoices.csv'), invoices.header, invoices.records.map((r) => r.values).filter((v) => v[invoices.header.indexOf('contract_id')] !== unbilled));
  drop = { dir, sha256: (await hashDrop(dir)).sha256, month: base.month, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
});

afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
  base?.cleanup();
});

describe('every stage, retried, writes nothing twice', () => {
  const runA = 'idem-A';
  const firstSummaries: Record<string, Record<string, unknown>> = {};

  it('a retry (attempt 2) of each stage leaves every table byte for byte as the first call left it', async () => {
    await registerRun(db, runA, drop);
    for (const stage of STAGES) {
      const before = await fingerprints(db, DATA_TABLES);
      const first = await callStage(db, stage, runA);
      firstSummaries[stage] = first;
      const afterFirst = await fingerprints(db, DATA_TABLES);
      // Not vacuous: the first call really wrote every table it owns (the planted rows fill the quarantine).
      for (const t of STAGE_WRITES[stage]) {
        expect(afterFirst[t].n, `${stage} wrote no rows to ${t}`).toBeGreaterThan(before[t].n);
      }
      // ...and only those.
      for (const t of DATA_TABLES) {
        if (!STAGE_WRITES[stage].includes(t)) expect(afterFirst[t], `${stage} changed ${t}`).toEqual(before[t]);
      }

      const retry = await callStageAsAttempt(db, stage, runA, 2);
      const afterRetry = await fingerprints(db, DATA_TABLES);
      expect(afterRetry, `retry of ${stage}`).toEqual(afterFirst);
      // `reused` says the work was found done; lineage's `events` counts the events so far, the retry's own included.
      expect(without(retry, 'reused', 'events'), `summary of the retry of ${stage}`).toEqual(without(first, 'reused', 'events'));

      // The retry is recorded as its own attempt, once.
      const events = await db.pool.query(
        `select status, attempt from run_stage_events where run_id = $1 and stage = $2 order by attempt, id`, [runA, STAGE_JOB[stage]]);
      expect(events.rows.map((e) => `${e.status}#${e.attempt}`)).toEqual(['started#1', 'completed#1', 'started#2', 'completed#2']);
      const lineage = await db.pool.query(
        `select event_type, attempt from lineage_events where run_id = $1 and job = $2 order by attempt, id`, [runA, STAGE_JOB[stage]]);
      expect(lineage.rows.map((e) => `${e.event_type}#${e.attempt}`)).toEqual(['START#1', 'COMPLETE#1', 'START#2', 'COMPLETE#2']);
    }
    expect(firstSummaries.ingest.reused).toBe(false);
    expect(firstSummaries.validate.reused).toBe(false);
  });

  it('a duplicate delivery of the same attempt adds no stage or lineage events', async () => {
    const events = await count(db, 'run_stage_events', 'run_id = $1', [runA]);
    const lineage = await count(db, 'lineage_events', 'run_id = $1', [runA]);
    const data = await fingerprints(db, DATA_TABLES);
    for (const stage of STAGES) await callStage(db, stage, runA);
    expect(await count(db, 'run_stage_events', 'run_id = $1', [runA])).toBe(events);
    expect(await count(db, 'lineage_events', 'run_id = $1', [runA])).toBe(lineage);
    expect(await fingerprints(db, DATA_TABLES)).toEqual(data);
  });

  it('quarantines exactly the planted rows, once', async () => {
    const batch = await batchOfRun(db, runA);
    const q = await db.pool.query('select file, line, rule from quarantine where batch_id = $1 order by file, line', [batch]);
    const tpLine = physicalDataLines(path.join(drop.dir, 'touchpoints.csv')) + 1;
    const usageLine = physicalDataLines(path.join(drop.dir, 'usage.csv')) + 1;
    expect(q.rows.map((r) => `${r.file}:${r.line}`)).toEqual([`touchpoints.csv:${tpLine}`, `usage.csv:${usageLine}`]);
    expect(await count(db, 'src_touchpoints', 'batch_id = $1', [batch])).toBe(tpLine - 2);
    expect(await count(db, 'src_usage', 'batch_id = $1', [batch])).toBe(usageLine - 2);
  });

  it('raw_rows holds one row per data line of each file, counted independently', async () => {
    const batch = await batchOfRun(db, runA);
    const files = fs.readdirSync(drop.dir).filter((f) => f.endsWith('.csv')).sort();
    expect(files.length).toBe(9); // the eight files of the spec and the optional experiments.csv
    const perFile = await db.pool.query('select file, count(*)::int as n, count(distinct line)::int as lines from raw_rows where batch_id = $1 group by file order by file', [batch]);
    const landed = await db.pool.query('select file, rows_read from ingest_files where batch_id = $1 order by file', [batch]);
    const expected = files.map((f) => {
      const physical = physicalDataLines(path.join(drop.dir, f));
      // The generator never puts a line break inside a field, so records and physical lines agree.
      expect(readCsv(path.join(drop.dir, f)).records.length, f).toBe(physical);
      return { file: f, n: physical, lines: physical };
    });
    expect(perFile.rows).toEqual(expected);
    expect(landed.rows).toEqual(expected.map((e) => ({ file: e.file, rows_read: e.n })));
  });

  it('a second run of the same drop shares the one ingest batch and duplicates no raw or validated row', async () => {
    const runB = 'idem-B';
    const batchA = await batchOfRun(db, runA);
    const shared = ['ingest_batches', 'ingest_files', 'raw_rows', 'validation_reports', 'quarantine', ...SRC_TABLES];
    const before = await fingerprints(db, shared);
    await registerRun(db, runB, drop, 'someone-else');
    const ingest = await callStage(db, 'ingest', runB);
    expect(ingest).toMatchObject({ batchId: batchA, reused: true });
    expect(await batchOfRun(db, runB)).toBe(batchA);
    const validate = await callStage(db, 'validate', runB);
    expect(validate).toMatchObject({ batchId: batchA, reused: true });
    expect(await fingerprints(db, shared)).toEqual(before);
    expect(await count(db, 'ingest_batches')).toBe(1);
    expect(await count(db, 'run_batches')).toBe(2);

    // Its own outputs: the same number of rows per table as run A (same drop, same seed).
    for (const s of STAGES.slice(2)) await callStage(db, s, runB);
    for (const t of RUN_TABLES) {
      const a = await count(db, t, 'run_id = $1', [runA]);
      expect(a, t).toBeGreaterThan(0);
      expect(await count(db, t, 'run_id = $1', [runB]), t).toBe(a);
    }
    // KPIs do not depend on the run id: identical values.
    const kpis = await db.pool.query(
      `select a.name, a.dimension, a.key from kpis a join kpis b on b.run_id = $2 and (b.name, b.dimension, b.key) = (a.name, a.dimension, a.key)
       where a.run_id = $1 and a.value is distinct from b.value`, [runA, runB]);
    expect(kpis.rows).toEqual([]);
  });
});

describe('duplicate deliveries running at the same time', () => {
  it('two concurrent calls of each stage on a fresh drop write each row once', async () => {
    const other = await smallDrop({ seed: 12, accounts: 300, months: 24 });
    try {
      const runC = 'idem-C';
      await registerRun(db, runC, other);
      for (const stage of STAGES) {
        const [x, y] = await Promise.all([callStage(db, stage, runC), callStageAsAttempt(db, stage, runC, 2)]);
        expect(without(x, 'reused', 'events'), stage).toEqual(without(y, 'reused', 'events'));
      }
      const batch = await batchOfRun(db, runC);
      expect(await count(db, 'ingest_batches', 'batch_id = $1', [batch])).toBe(1);
      expect(await count(db, 'validation_reports', 'batch_id = $1', [batch])).toBe(1);
      let lines = 0;
      for (const f of fs.readdirSync(other.dir).filter((n) => n.endsWith('.csv'))) lines += physicalDataLines(path.join(other.dir, f));
      expect(await count(db, 'raw_rows', 'batch_id = $1', [batch])).toBe(lines);
      expect(await count(db, 'ingest_files', 'batch_id = $1', [batch])).toBe(8);
      expect(await count(db, 'src_touchpoints', 'batch_id = $1', [batch])).toBe(physicalDataLines(path.join(other.dir, 'touchpoints.csv')));

      // A sequential run D of the same drop is the baseline for the run-keyed outputs.
      const runD = 'idem-D';
      await registerRun(db, runD, other);
      for (const stage of STAGES) await callStage(db, stage, runD);
      for (const t of RUN_TABLES) {
        const d = await count(db, t, 'run_id = $1', [runD]);
        expect(await count(db, t, 'run_id = $1', [runC]), t).toBe(d);
      }
      // graph_edges has no key at all: compare content, not just counts.
      const strip = `select src_kind, src_id, relation, dst_kind, dst_id, weight from graph_edges where run_id = $1 except all
                     select src_kind, src_id, relation, dst_kind, dst_id, weight from graph_edges where run_id = $2`;
      expect((await db.pool.query(strip, [runC, runD])).rows).toEqual([]);
      expect((await db.pool.query(strip, [runD, runC])).rows).toEqual([]);
      expect((await fingerprint(db, 'account_rollup', 'run_id = $1', [runC])).n).toBe(300);
    } finally {
      other.cleanup();
    }
  });
});

/**
 * Drops that must not be applied: one whose files change after the run is
 * registered, and one the data contracts reject. Both fail with a
 * non-retryable ApplicationFailure naming the reason, and leave no data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashDrop } from '../../contracts/drop-hash';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { batchOfRun, callStage, callStageAsAttempt, copyDrop, count, readCsv, registerRun, SRC_TABLES, writeCsv, type TestDb, type TestDrop } from './support';

let db: TestDb;
let base: TestDrop;
const dirs: string[] = [];

beforeAll(async () => {
  db = await suiteDb('act_fail');
  base = await smallDrop({ seed: 31, accounts: 300, months: 24 });
});

afterAll(async () => {
  await db?.drop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  base?.cleanup();
});

async function caught(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected the stage to fail');
}

describe('a drop that changes after the run is registered', () => {
  it('fails ingest with a non-retryable DropChanged and lands nothing', async () => {
    const dir = copyDrop(base.dir, 'changed');
    dirs.push(dir);
    const sha256 = (await hashDrop(dir)).sha256;
    const runId = 'changed-1';
    await registerRun(db, runId, { dir, sha256, month: base.month });
    fs.appendFileSync(path.join(dir, 'spend.csv'), '2026-10,paid_search,123.45,USD\n');

    const err = await caught(callStage(db, 'ingest', runId));
    expect(err.type).toBe('DropChanged');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toMatch(/changed after run changed-1 started/);
    // A retry is refused the same way: the drop is still not the one registered.
    const again = await caught(callStageAsAttempt(db, 'ingest', runId, 2));
    expect([again.type, again.nonRetryable]).toEqual(['DropChanged', true]);

    for (const t of ['ingest_batches', 'ingest_files', 'run_batches', 'raw_rows']) expect(await count(db, t), t).toBe(0);
    const events = await db.pool.query(`select status, attempt, error from run_stage_events where run_id = $1 order by attempt, id`, [runId]);
    expect(events.rows.map((e) => `${e.status}#${e.attempt}`)).toEqual(['started#1', 'failed#1', 'started#2', 'failed#2']);
    expect(events.rows[1].error).toMatch(/changed/);
    const fail = await db.pool.query(`select event from lineage_events where run_id = $1 and event_type = 'FAIL' and attempt = 1`, [runId]);
    expect(fail.rows[0].event.run.facets.errorMessage.message).toMatch(/changed/);
    // Nothing downstream can run: there is no batch.
    await expect(callStage(db, 'validate', runId)).rejects.toThrow(/no ingest batch/);
  });
});

describe('a drop the data contracts reject', () => {
  let runId: string;
  let batch: string;
  let firstMessage: string;

  it('fails validate with a non-retryable DropRejected naming the file and the column', async () => {
    const dir = copyDrop(base.dir, 'rejected');
    dirs.push(dir);
    const file = path.join(dir, 'accounts.csv');
    const { header, records } = readCsv(file);
    const drop = header.indexOf('segment');
    expect(drop).toBeGreaterThan(0);
    writeCsv(file, header.filter((_, i) => i !== drop), records.map((r) => r.values.filter((_, i) => i !== drop)));
    const sha256 = (await hashDrop(dir)).sha256;
    runId = 'rejected-1';
    await registerRun(db, runId, { dir, sha256, month: base.month });

    const ingest = await callStage(db, 'ingest', runId);
    expect(ingest.reused).toBe(false);
    batch = await batchOfRun(db, runId);
    const err = await caught(callStage(db, 'validate', runId));
    expect(err.type).toBe('DropRejected');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toMatch(/accounts\.csv: header lacks required column\(s\) segment/);
    firstMessage = err.message;

    const report = await db.pool.query('select ok, errors from validation_reports where batch_id = $1', [batch]);
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0].ok).toBe(false);
    expect(report.rows[0].errors.join('\n')).toMatch(/accounts\.csv.*segment/);
    for (const t of [...SRC_TABLES, 'quarantine']) expect(await count(db, t, 'batch_id = $1', [batch]), t).toBe(0);
  });

  it('throws the same stored rejection when called again, without validating again', async () => {
    const before = await count(db, 'validation_reports');
    const plain = await caught(callStage(db, 'validate', runId));
    const retry = await caught(callStageAsAttempt(db, 'validate', runId, 2));
    for (const e of [plain, retry]) {
      expect(e.type).toBe('DropRejected');
      expect(e.nonRetryable).toBe(true);
      expect(e.message).toBe(firstMessage);
    }
    expect(await count(db, 'validation_reports')).toBe(before);
    for (const t of [...SRC_TABLES, 'quarantine']) expect(await count(db, t, 'batch_id = $1', [batch]), t).toBe(0);
  });

  it('a second run of the same rejected drop gets the stored rejection too', async () => {
    const run = await db.pool.query('select drop_path, drop_sha256, month from runs where run_id = $1', [runId]);
    const { drop_path: dir, drop_sha256: sha256, month } = run.rows[0];
    await registerRun(db, 'rejected-2', { dir, sha256, month });
    expect((await callStage(db, 'ingest', 'rejected-2')).reused).toBe(true);
    const err = await caught(callStage(db, 'validate', 'rejected-2'));
    expect([err.type, err.message]).toEqual(['DropRejected', firstMessage]);
  });

  it('refuses every stage after validation on the rejected batch: no model is fitted on it', async () => {
    for (const stage of ['buildGraph', 'retrain', 'backtest', 'score'] as const) {
      await expect(callStage(db, stage, runId)).rejects.toThrow(/rejected by validation/);
    }
    expect(await count(db, 'model_versions', "run_id <> 'baseline'")).toBe(0); // the registry's baselines exist from the start
  });
});

describe('a drop file that is not UTF-8', () => {
  it('fails ingest with a DropRejected naming the file once and the line of the bad byte', async () => {
    const dir = copyDrop(base.dir, 'latin1');
    dirs.push(dir);
    const file = path.join(dir, 'accounts.csv');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines.length).toBeGreaterThan(250);
    // A Latin-1 "é" in the first cell of line 200 (a spreadsheet's export).
    const bytes = lines.map((l, i) => (i === 199 ? Buffer.concat([Buffer.from([0xe9]), Buffer.from(l)]) : Buffer.from(l)));
    fs.writeFileSync(file, Buffer.concat(bytes.flatMap((b, i) => (i < bytes.length - 1 ? [b, Buffer.from('\n')] : [b]))));
    const sha256 = (await hashDrop(dir)).sha256;
    await registerRun(db, 'latin1-1', { dir, sha256, month: base.month });

    const err = await caught(callStage(db, 'ingest', 'latin1-1'));
    expect([err.type, err.nonRetryable]).toEqual(['DropRejected', true]);
    expect(err.message).toBe('accounts.csv: is not valid UTF-8: line 200 has the byte 0xE9 (a Latin-1 or Windows-1252 export? save the file as UTF-8)');
  });
});

/**
 * A drop with lift tests: they are validated into src_experiments and the
 * retrain stage's media-mix fit uses them (what they do to the estimate is
 * checked against a closed form in tests/models/mmm.test.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDrop } from '../../generator';
import { hashDrop } from '../../activities/drop-hash';
import { suiteDb } from '../helpers/db';
import { batchOfRun, count, csvObjects, registerRun, runAllStages, type TestDb } from './support';

let db: TestDb;
let dir: string;
const runId = 'experiments-1';

beforeAll(async () => {
  db = await suiteDb('act_experiments');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-exp-run-'));
  await generateDrop({ outDir: dir, seed: 5, accounts: 300, months: 30, experiments: true });
  await registerRun(db, runId, { dir, sha256: (await hashDrop(dir)).sha256, month: '2026-10' });
  await runAllStages(db, runId);
});
afterAll(async () => {
  await db?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('lift tests in the cycle', () => {
  it('land in src_experiments as the file gives them', async () => {
    const batch = await batchOfRun(db, runId);
    const stored = await db.db.selectFrom('src_experiments').selectAll().where('batch_id', '=', batch).orderBy('line').execute();
    const file = csvObjects(path.join(dir, 'experiments.csv'));
    expect(stored.map((r) => [r.channel, r.start, r.end, r.incremental_acv, r.stderr]))
      .toEqual(file.map((r) => [r.channel, r.start, r.end, Number(r.incremental_acv), Number(r.stderr)]));
    expect(await count(db, 'src_experiments')).toBe(file.length);
  });

  it('calibrate the media-mix model fitted by retrain', async () => {
    const v = await db.db.selectFrom('model_versions').select('metrics').where('model_version_id', '=', `${runId}/incrementality`).executeTakeFirstOrThrow();
    const used = (v.metrics as any).experiments.used;
    expect(used).toBeGreaterThan(0);
    expect(used + (v.metrics as any).experiments.ignored).toBe(3);
  });
});

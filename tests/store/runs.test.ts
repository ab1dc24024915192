import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRun, insertRunOutcome, registeredRun, runById, runExists } from '../../store/runs';
import { suiteDb } from '../helpers/db';

let db: Awaited<ReturnType<typeof suiteDb>>;
beforeAll(async () => { db = await suiteDb('store_runs'); });
afterAll(async () => { await db?.drop(); });

const run = (runId: string, requestedBy = 'ann') => ({
  run_id: runId, month: '2026-03', drop_path: '/drops/2026-03', drop_sha256: 'ab'.repeat(32), version: 1, requested_by: requestedBy,
  seed: 42, code_version: 'test', config: JSON.stringify({ approvals: { required: 1 } }), attribution_policy: null,
});

describe('store/runs', () => {
  it('registers a run once: a retry with the same id keeps the first row', async () => {
    await insertRun(db.db, run('r1'));
    await insertRun(db.db, run('r1', 'bob'));
    const stored = await runById(db.db, 'r1');
    expect(stored).toMatchObject({ run_id: 'r1', month: '2026-03', requested_by: 'ann', seed: '42', config: { approvals: { required: 1 } }, attribution_policy: null });
    expect(await runExists(db.db, 'r1')).toBe(true);
  });

  it('says when there is no such run: undefined, false, or a throw for a stage that needs it', async () => {
    expect(await runById(db.db, 'nope')).toBeUndefined();
    expect(await runExists(db.db, 'nope')).toBe(false);
    await expect(registeredRun(db.db, 'nope')).rejects.toThrow();
  });

  it('keeps the first outcome of a run', async () => {
    await insertRunOutcome(db.db, 'r1', 'failed', 'boom');
    await insertRunOutcome(db.db, 'r1', 'completed');
    expect(await db.db.selectFrom('run_outcomes').select(['status', 'error']).where('run_id', '=', 'r1').execute()).toEqual([{ status: 'failed', error: 'boom' }]);
  });
});

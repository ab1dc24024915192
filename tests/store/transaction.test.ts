import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inLockedTransaction } from '../../store/transaction';
import { suiteDb } from '../helpers/db';

let db: Awaited<ReturnType<typeof suiteDb>>;
beforeAll(async () => { db = await suiteDb('store_transaction'); });
afterAll(async () => { await db?.drop(); });

const outcomesOf = async (runId: string) =>
  (await db.db.selectFrom('run_outcomes').select('run_id').where('run_id', '=', runId).execute()).length;

describe('inLockedTransaction', () => {
  it('runs typed queries on the transaction: its raw reads see them, and a failure rolls them back with the rest', async () => {
    await db.pool.query(`insert into runs (run_id, month, drop_path, drop_sha256, version, requested_by, seed, code_version)
      values ('r1', '2026-01', '/d', 'aa', 1, 't', 1, 'c'), ('r2', '2026-01', '/d', 'aa', 2, 't', 1, 'c')`);
    await inLockedTransaction({ db }, 'k', async (client, tx) => {
      await tx.insertInto('run_outcomes').values({ run_id: 'r1', status: 'completed', error: null }).execute();
      expect((await client.query(`select status from run_outcomes where run_id = 'r1'`)).rows).toEqual([{ status: 'completed' }]);
    });
    expect(await outcomesOf('r1')).toBe(1);

    await expect(inLockedTransaction({ db }, 'k', async (client, tx) => {
      await tx.insertInto('run_outcomes').values({ run_id: 'r2', status: 'completed', error: null }).execute();
      await client.query('select 1/0');
    })).rejects.toThrow(/division by zero/);
    expect(await outcomesOf('r2')).toBe(0);
  });
});

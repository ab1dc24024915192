import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastMonthsInDrop } from '../../contracts/month-coverage';
import { smallDrop } from '../helpers/drops';
import { suiteDb } from '../helpers/db';
import { callStage, csvObjects, registerRun, type TestDb, type TestDrop } from './support';

/**
 * A run for a month its drop does not cover (issue 12: November on a drop
 * that ends in October read "current" spend as a third lower and the
 * sign-off called the budget move within bounds). The validate stage
 * refuses it, naming the last month of spend and of opportunities, as a
 * non-retryable failure, whether the drop's batch is validated fresh or
 * taken from an earlier run; a covered month goes on.
 */
let db: TestDb;
let drop: TestDrop;
let lastSpend: string;
let lastOpportunity: string;

beforeAll(async () => {
  db = await suiteDb('month_coverage');
  drop = await smallDrop({ seed: 3, accounts: 300, months: 12 });
  // The last months as the CSVs give them, read by the tests' own reader.
  lastSpend = csvObjects(path.join(drop.dir, 'spend.csv')).map((r) => r.month).sort().at(-1)!;
  lastOpportunity = csvObjects(path.join(drop.dir, 'opportunities.csv')).map((r) => r.created_at.slice(0, 7)).sort().at(-1)!;
});

afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
});

const uncovered = (month: string) =>
  `the drop does not cover ${month}: its spend ends in ${lastSpend} and its opportunities in ${lastOpportunity}; run a month the drop covers, or give the run a drop that covers ${month}`;

describe('a month the drop does not cover', () => {
  it('is what the drop of October looks like: both end in October', () => {
    expect([lastSpend, lastOpportunity]).toEqual(['2026-10', '2026-10']);
  });

  it('fails validate without a retry, naming the last month of spend and of opportunities', async () => {
    await registerRun(db, 'nov', { ...drop, month: '2026-11' });
    await callStage(db, 'ingest', 'nov');
    const err = await callStage(db, 'validate', 'nov').then(() => null, (e) => e);
    expect(err).toMatchObject({ type: 'MonthNotCovered', nonRetryable: true, message: uncovered('2026-11') });
    const failed = await db.pool.query(`select error from run_stage_events where run_id = 'nov' and stage = 'validate' and status = 'failed'`);
    expect(failed.rows.map((r) => r.error)).toEqual([uncovered('2026-11')]);
  });

  it('lets a covered month through on the same batch, and refuses the uncovered one again from the stored verdict', async () => {
    await registerRun(db, 'oct', drop);
    await callStage(db, 'ingest', 'oct');
    await expect(callStage(db, 'validate', 'oct')).resolves.toMatchObject({ reused: true });
    await registerRun(db, 'dec', { ...drop, month: '2026-12' });
    await callStage(db, 'ingest', 'dec');
    await expect(callStage(db, 'validate', 'dec')).rejects.toMatchObject({ type: 'MonthNotCovered', message: uncovered('2026-12') });
  });

  it('reads the same last months straight from the files, as `acvloop run` does before it starts', async () => {
    expect(await lastMonthsInDrop(drop.dir)).toEqual({ spend: lastSpend, opportunities: lastOpportunity });
  });
});

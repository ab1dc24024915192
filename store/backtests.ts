import type { Insertable, Kysely } from 'kysely';
import type { BacktestsTable, Database } from '../sql/database';

/** A run's backtest metrics: each version's out-of-sample numbers, as challenger or as champion. */
export type NewBacktest = Insertable<BacktestsTable>;

/** Stores a run's backtest metrics; a metric already on record stays as it is, so a retry adds nothing. */
export async function insertBacktests(db: Kysely<Database>, rows: readonly NewBacktest[]): Promise<void> {
  if (rows.length) await db.insertInto('backtests').values([...rows]).onConflict((oc) => oc.doNothing()).execute();
}

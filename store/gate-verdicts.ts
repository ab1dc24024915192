import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, GateVerdictsTable } from '../sql/database';

/** The gate's verdict on a run's challengers: written once, and what a retry or a re-run answers with. */
export type GateVerdictRow = Selectable<GateVerdictsTable>;
export type NewGateVerdict = Insertable<GateVerdictsTable>;

/** The verdict on record for the run, or undefined before its gate. */
export async function gateVerdictOf(db: Kysely<Database>, runId: string): Promise<Pick<GateVerdictRow, 'passed' | 'promote' | 'families' | 'checks'> | undefined> {
  return db.selectFrom('gate_verdicts').select(['passed', 'promote', 'families', 'checks']).where('run_id', '=', runId).executeTakeFirst();
}

export async function insertGateVerdict(db: Kysely<Database>, verdict: NewGateVerdict): Promise<void> {
  await db.insertInto('gate_verdicts').values(verdict).execute();
}

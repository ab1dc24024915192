import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, RunsTable } from '../sql/database';

/**
 * The runs table: one row per run (month, drop, version, who asked, seed,
 * code version, the config and attribution policy it started with), written
 * once when the run registers and never changed. Every read and write of it
 * goes through here; queries/ joins it for the faces' reads.
 */
export type Run = Selectable<RunsTable>;
export type NewRun = Insertable<RunsTable>;

/** The run, or undefined when no run has that id. */
export async function runById(db: Kysely<Database>, runId: string): Promise<Run | undefined> {
  return db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
}

/** The run; throws kysely's NoResultError when there is none (a stage's run is registered before it starts). */
export async function registeredRun(db: Kysely<Database>, runId: string): Promise<Run> {
  return db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
}

/** The run's month, or undefined when no run has that id (what every stage's bookkeeping needs of it). */
export async function runMonth(db: Kysely<Database>, runId: string): Promise<string | undefined> {
  return (await db.selectFrom('runs').select('month').where('run_id', '=', runId).executeTakeFirst())?.month;
}

export async function runExists(db: Kysely<Database>, runId: string): Promise<boolean> {
  return (await runMonth(db, runId)) !== undefined;
}

/** Registers a run; a retry with the same id changes nothing. */
export async function insertRun(db: Kysely<Database>, run: NewRun): Promise<void> {
  await db.insertInto('runs').values(run).onConflict((oc) => oc.column('run_id').doNothing()).execute();
}

export interface ValidatedRun { run_id: string; month: string; batch_id: string }

/**
 * Organisation-wide runs of months before `month` whose batch passed validation, newest first (month, then version,
 * then creation). A pilot (runs.scope set) is never the reference of a later run.
 */
function validatedRunsQuery(db: Kysely<Database>, month: string) {
  return db.selectFrom('runs')
    .innerJoin('run_batches', 'run_batches.run_id', 'runs.run_id')
    .innerJoin('validation_reports', 'validation_reports.batch_id', 'run_batches.batch_id')
    .select(['runs.run_id', 'runs.month', 'run_batches.batch_id'])
    .where('runs.month', '<', month)
    .where('runs.scope', 'is', null)
    .where('validation_reports.ok', '=', true)
    .orderBy('runs.month', 'desc').orderBy('runs.version', 'desc').orderBy('runs.created_at', 'desc');
}

/** Every run of a month before `month` whose batch passed validation, newest first. */
export async function validatedRunsBefore(db: Kysely<Database>, month: string): Promise<ValidatedRun[]> {
  return validatedRunsQuery(db, month).execute();
}

/** The newest run of a month before `month` whose batch passed validation; with `approved`, only a run a reviewer approved. */
export async function latestValidatedRunBefore(db: Kysely<Database>, month: string, { approved }: { approved: boolean }): Promise<ValidatedRun | undefined> {
  const q = validatedRunsQuery(db, month);
  return approved
    ? q.innerJoin('approvals', 'approvals.run_id', 'runs.run_id').where('approvals.decision', '=', 'approved').executeTakeFirst()
    : q.executeTakeFirst();
}

/** Runs (`r`) approved and published, pilots left out: what a later run is compared with. */
const approvedOrgWideRuns = (db: Kysely<Database>) => db.selectFrom('runs as r').innerJoin('approvals as a', 'a.run_id', 'r.run_id')
  .innerJoin('publications as p', 'p.run_id', 'r.run_id').where('a.decision', '=', 'approved').where('r.scope', 'is', null);

/**
 * The last approved and published organisation-wide run before `run`: of an
 * earlier month, or an earlier version of the same month (a backfilled month
 * is compared with what was approved before it, not with a newer month
 * approved earlier). A pilot never counts.
 */
export async function previousApprovedRun(db: Kysely<Database>, run: Pick<Run, 'run_id' | 'month' | 'created_at'>):
  Promise<Pick<Run, 'run_id' | 'code_version' | 'drop_sha256'> | undefined> {
  return approvedOrgWideRuns(db)
    .select(['r.run_id', 'r.code_version', 'r.drop_sha256']).where('r.run_id', '!=', run.run_id)
    .where((eb) => eb.or([eb('r.month', '<', run.month),
      eb.and([eb('r.month', '=', run.month), eb('r.created_at', '<', run.created_at as unknown as Date)])]))
    .orderBy('r.month', 'desc').orderBy('r.created_at', 'desc').limit(1).executeTakeFirst();
}

/**
 * The organisation-wide run a pilot of `month` is read beside: the latest
 * (by month, then creation) approved and published run without a scope, of
 * that month or earlier; undefined when there is none yet.
 */
export async function latestApprovedOrgWideRun(db: Kysely<Database>, month: string): Promise<Pick<Run, 'run_id' | 'month'> | undefined> {
  return approvedOrgWideRuns(db).select(['r.run_id', 'r.month']).where('r.month', '<=', month)
    .orderBy('r.month', 'desc').orderBy('r.created_at', 'desc').limit(1).executeTakeFirst();
}

/** The id of the latest run (by month, then creation) that stored `metric` in a backtest of `modelVersionId`. */
export async function latestRunBacktesting(db: Kysely<Database>, modelVersionId: string, metric: string): Promise<string | undefined> {
  const latest = await db.selectFrom('backtests').innerJoin('runs', 'runs.run_id', 'backtests.run_id').select('backtests.run_id')
    .where('backtests.model_version_id', '=', modelVersionId).where('backtests.metric', '=', metric)
    .orderBy('runs.month', 'desc').orderBy('runs.created_at', 'desc').executeTakeFirst();
  return latest?.run_id;
}

export type RunOutcome = Selectable<Database['run_outcomes']>['status'];

/** How the run ended (completed, rejected, expired, failed); the first outcome recorded stays, so a retry changes nothing. */
export async function insertRunOutcome(db: Kysely<Database>, runId: string, status: RunOutcome, error: string | null = null): Promise<void> {
  await db.insertInto('run_outcomes').values({ run_id: runId, status, error }).onConflict((oc) => oc.column('run_id').doNothing()).execute();
}

/** The batch the run reads, set by its ingest; the first one set stays. */
export async function insertRunBatch(db: Kysely<Database>, runId: string, batchId: string): Promise<void> {
  await db.insertInto('run_batches').values({ run_id: runId, batch_id: batchId }).onConflict((oc) => oc.column('run_id').doNothing()).execute();
}

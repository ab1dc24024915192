import type { Db } from '../sql/db';

/**
 * The report's front page: the latest 200 runs, newest first, with what
 * `runStatus` (queries/run-report.ts) needs to say where each one stands and
 * who decided it. A read across the run's tables, so it lives on the read
 * side beside the run report rather than in store/runs.ts.
 */
export const runList = async (handle: Db) => handle.db.selectFrom('runs')
  .leftJoin('run_outcomes', 'run_outcomes.run_id', 'runs.run_id')
  .leftJoin('approvals', 'approvals.run_id', 'runs.run_id')
  .leftJoin('approval_requests', 'approval_requests.run_id', 'runs.run_id')
  .leftJoin('publications', 'publications.run_id', 'runs.run_id')
  .select((eb) => ['runs.run_id', 'runs.month', 'runs.requested_by', 'runs.created_at', 'run_outcomes.status as outcome', 'approvals.reviewer as decided_by',
    'approvals.run_id as decided', 'approval_requests.required_approvers', 'publications.run_id as published',
    eb.exists(eb.selectFrom('run_stage_events').select('run_stage_events.id').whereRef('run_stage_events.run_id', '=', 'runs.run_id')
      .where('run_stage_events.stage', '=', 'score').where('run_stage_events.status', '=', 'completed')).as('scored')])
  .orderBy('runs.created_at', 'desc').limit(200).execute();

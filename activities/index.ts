import type { ActivityDeps } from './context';
import { approvalActivities } from './approval';
import { backtestActivity } from './backtest';
import { retryOnDatabaseOutage } from './database-outage';
import { driftActivity } from './drift';
import { financeActivities } from './finance';
import { gateActivity } from './gate';
import { graphActivity } from './graph';
import { ingestActivity } from './ingest';
import { lineageActivity } from './lineage';
import { publishActivity } from './publish';
import { retrainActivity } from './retrain';
import { runActivities } from './runs';
import { scheduledDropActivity } from './scheduled-drop';
import { scoreActivity } from './score';
import { scoreAccountsActivities } from './score-accounts';
import { scoreShardActivities } from './score-shards';
import { validateActivity } from './validate';

/**
 * Every activity of the monthly cycle, built over injected dependencies;
 * each fails as a retryable DatabaseUnavailable when it loses the database.
 */
export function createActivities(deps: ActivityDeps) {
  return retryOnDatabaseOutage(deps, {
    ...runActivities(deps),
    ...approvalActivities(deps),
    evaluateGate: gateActivity(deps),
    ingest: ingestActivity(deps),
    validate: validateActivity(deps),
    recordLineage: lineageActivity(deps),
    buildGraph: graphActivity(deps),
    detectDrift: driftActivity(deps),
    retrain: retrainActivity(deps),
    backtest: backtestActivity(deps),
    ...scoreShardActivities(deps),
    ...scoreAccountsActivities(deps),
    ...financeActivities(deps),
    score: scoreActivity(deps),
    publish: publishActivity(deps),
    resolveScheduledDrop: scheduledDropActivity(deps),
  });
}

export type CycleActivities = ReturnType<typeof createActivities>;
export type { ActivityDeps };

import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './2026-11-23-0001-initial';
import * as models from './2026-11-23-0002-models';
import * as drift from './2026-11-23-0003-drift';
import * as governance from './2026-11-23-0004-governance';
import * as disputes from './2026-11-23-0005-disputes';
import * as ltvOutcomes from './2026-12-01-0001-ltv-outcomes';
import * as registryHoles from './2026-12-01-0002-registry-holes';
import * as experimentPlans from './2026-12-01-0004-experiment-plans';
import * as scoreShards from './2026-12-02-0001-score-shards';
import * as accountsFamily from './2026-12-02-0002-accounts-family';
import * as accountScores from './2026-12-02-0003-account-scores';
import * as finance from './2026-12-02-0004-finance';
import * as pilotScope from './2026-12-02-0006-pilot-scope';
import * as invoiceDueAt from './2026-12-02-0007-invoice-due-at';

/** The explicit migration index: names sort in the order they apply. */
export const migrations: Record<string, Migration> = {
  '2026-11-23-0001-initial': initial,
  '2026-11-23-0002-models': models,
  '2026-11-23-0003-drift': drift,
  '2026-11-23-0004-governance': governance,
  '2026-11-23-0005-disputes': disputes,
  '2026-12-01-0001-ltv-outcomes': ltvOutcomes,
  '2026-12-01-0002-registry-holes': registryHoles,
  '2026-12-01-0004-experiment-plans': experimentPlans,
  '2026-12-02-0001-score-shards': scoreShards,
  '2026-12-02-0002-accounts-family': accountsFamily,
  '2026-12-02-0003-account-scores': accountScores,
  '2026-12-02-0004-finance': finance,
  '2026-12-02-0006-pilot-scope': pilotScope,
  '2026-12-02-0007-invoice-due-at': invoiceDueAt,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

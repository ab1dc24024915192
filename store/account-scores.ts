import type { Kysely, Selectable } from 'kysely';
import type { PoolClient } from 'pg';
import { copyColumns, copyRows } from '../sql/copy';
import type { AccountScoreRunsTable, AccountScoresTable, Database } from '../sql/database';
import type { TierKpis } from '../models/accounts/tier-kpis';

export type { TierKpis };

/**
 * The accounts to pursue of a run (issue 16): what activities/score-accounts.ts
 * stores, in one transaction (the run's summary row, then its account rows by
 * COPY), and the reads the command, `show` and the report take.
 */

/** account_score_runs.summary. */
export interface AccountScoreSummary {
  tierCuts: unknown;
  /** The attribution agreement the engagement was read under. */
  policy: { version: string; sha256: string | null };
  mql: { threshold: number; accounts: number; crossedThisMonth: number; handoff: Record<'accepted' | 'pending' | 'not_accepted', number> };
  tiers: TierKpis[];
  /** Accounts known at the as-of date and, of them, customers (an expansion score). */
  known: number;
  customers: number;
}

export type AccountScoreRunRow = Omit<Selectable<AccountScoreRunsTable>, 'created_at' | 'summary'> & { summary: AccountScoreSummary };

const ACCOUNT_SCORE_VALUES = ['account_id', 'rank', 'tier', 'win_propensity', 'expected_new_acv', 'expansion_propensity', 'expected_expansion_acv',
  'engagement_score', 'mql', 'mql_at', 'mql_crossed_this_month', 'handoff', 'drivers'] as const;
const ACCOUNT_SCORE_COLUMNS = copyColumns<AccountScoresTable>()(['run_id', ...ACCOUNT_SCORE_VALUES, 'detail']);
export type AccountScoreRow = Pick<Selectable<AccountScoresTable>, (typeof ACCOUNT_SCORE_VALUES)[number]> & { detail: unknown };

/** Whether the run's accounts are scored (a retried activity then stores nothing). */
export async function accountsAreScored(db: Kysely<Database>, runId: string): Promise<boolean> {
  return (await db.selectFrom('account_score_runs').select('run_id').where('run_id', '=', runId).executeTakeFirst()) !== undefined;
}

/**
 * Stores the run's account scores: its summary row, then the rows by COPY on
 * the same client (the caller's transaction), so both land or neither.
 */
export async function storeAccountScores(client: PoolClient, run: AccountScoreRunRow, rows: readonly AccountScoreRow[]): Promise<number> {
  await client.query('insert into account_score_runs (run_id, model_version_id, level, as_of, accounts, summary) values ($1, $2, $3, $4, $5, $6)',
    [run.run_id, run.model_version_id, run.level, run.as_of, run.accounts, JSON.stringify(run.summary)]);
  return copyRows(client, 'account_scores', ACCOUNT_SCORE_COLUMNS, rows, (s) => [run.run_id, ...ACCOUNT_SCORE_VALUES.map((c) => s[c]), JSON.stringify(s.detail)]);
}

/** The run's account scoring summary; undefined when the run scored no accounts (it predates them, or has not scored yet). */
export async function accountScoreRun(db: Kysely<Database>, runId: string): Promise<AccountScoreRunRow | undefined> {
  const row = await db.selectFrom('account_score_runs').select(['run_id', 'model_version_id', 'level', 'as_of', 'accounts', 'summary'])
    .where('run_id', '=', runId).executeTakeFirst();
  return row ? { ...row, summary: row.summary as unknown as AccountScoreSummary } : undefined;
}

export interface AccountScoreFilter {
  /** The first N by rank. */
  top?: number;
  tier?: 1 | 2 | 3;
  /** Only the accounts that crossed the MQL threshold in the run's month. */
  crossedThisMonth?: boolean;
}

/** The run's account scores by rank. */
export async function accountScoresOf(db: Kysely<Database>, runId: string, filter: AccountScoreFilter = {}): Promise<(AccountScoreRow & { detail: unknown })[]> {
  let q = db.selectFrom('account_scores').select([...ACCOUNT_SCORE_VALUES, 'detail']).where('run_id', '=', runId);
  if (filter.tier !== undefined) q = q.where('tier', '=', filter.tier);
  if (filter.crossedThisMonth) q = q.where('mql_crossed_this_month', '=', true);
  q = q.orderBy('rank');
  if (filter.top !== undefined) q = q.limit(filter.top);
  return q.execute();
}

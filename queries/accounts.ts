import type { Kysely } from 'kysely';
import type { Database } from '../sql/database';
import type { Db } from '../sql/db';
import { accountScoreRun, accountScoresOf, type AccountScoreRow, type AccountScoreRunRow, type AccountScoreSummary, type TierKpis } from '../store/account-scores';
import { runExists } from '../store/runs';

/**
 * The accounts to pursue of a run (issue 16), as its three readers take them:
 * `acvloop accounts` (every row, filtered), `show --json` (the summary and
 * the first ten) and the report's section (the top, the month's MQLs, the
 * tiers and the backtest's lift chart). Read back as stored, nothing recomputed.
 */

/** The columns of `acvloop accounts --csv`, in the order the issue names them. */
export const ACCOUNT_COLUMNS = ['account_id', 'rank', 'win_propensity', 'expected_new_acv', 'expansion_propensity', 'expected_expansion_acv',
  'engagement_score', 'mql', 'tier', 'drivers'] as const;

/** One account as the command prints it. */
export type AccountRow = Pick<AccountScoreRow, (typeof ACCOUNT_COLUMNS)[number]>;

export type Tier = 1 | 2 | 3;

/** `acvloop accounts RUN --json`. */
export interface AccountsOfRun {
  runId: string;
  modelVersionId: string;
  level: AccountScoreRunRow['level'];
  asOf: string;
  accounts: AccountRow[];
  summary: AccountScoreSummary;
}

/** A run that exists but scored no accounts: a "not found" of its own, so the message says why. */
export class NoAccountScores extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} has no account scores: it ran before accounts were scored (issue 16), or has not reached its score stage yet`);
  }
}

/** The run's scoring summary, or the error that says which run has none and why. */
async function scoredRun(handle: Db, runId: string): Promise<AccountScoreRunRow> {
  const run = await accountScoreRun(handle.db, runId);
  if (run) return run;
  if (!(await runExists(handle.db, runId))) throw new Error(`no run ${runId} in schema ${handle.schema}`);
  throw new NoAccountScores(runId);
}

const columnsOf = (r: AccountScoreRow): AccountRow => Object.fromEntries(ACCOUNT_COLUMNS.map((c) => [c, r[c]])) as AccountRow;

/**
 * The run's accounts by rank, the first `top` of them and of one tier when asked.
 * @example await readAccounts(handle, 'run-2026-10', { top: 20, tier: 1 }) // { runId, modelVersionId, level, asOf, accounts: [20 rows], summary }
 */
export async function readAccounts(handle: Db, runId: string, filter: { top?: number; tier?: Tier } = {}): Promise<AccountsOfRun> {
  const run = await scoredRun(handle, runId);
  const rows = await accountScoresOf(handle.db, runId, { top: filter.top, tier: filter.tier });
  return { runId, modelVersionId: run.model_version_id, level: run.level, asOf: run.as_of, accounts: rows.map(columnsOf), summary: run.summary };
}

/**
 * `acvloop accounts --csv`: the ten columns, text quoted where RFC 4180 needs
 * it, an account without a contract's expansion propensity empty, lines
 * ending in \n as `acvloop scores` ends them. Numbers
 * print whole (JavaScript's shortest exact form), not rounded: the file feeds
 * CRM imports that re-sort and re-tier, and rounding would make ties the
 * ranking did not have.
 * @example accountsCsv([{ account_id: 'A1', rank: 1, win_propensity: 0.25, expected_new_acv: 12000, expansion_propensity: null,
 *   expected_expansion_acv: 0, engagement_score: 3.5, mql: true, tier: 1, drivers: 'engaged, "webinars"' }])
 * // 'account_id,rank,…,drivers\nA1,1,0.25,12000,,0,3.5,true,1,"engaged, ""webinars"""\n'
 */
export function accountsCsv(rows: readonly AccountRow[]): string {
  let out = ACCOUNT_COLUMNS.join(',') + '\n';
  for (const r of rows) out += ACCOUNT_COLUMNS.map((c) => csvCell(r[c])).join(',') + '\n';
  return out;
}

function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  if (typeof v !== 'string') return String(v);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** What `show --json` carries of a run's accounts. */
export interface AccountsOverview {
  modelVersionId: string;
  level: AccountScoreRunRow['level'];
  asOf: string;
  scored: number;
  tiers: TierKpis[];
  mql: AccountScoreSummary['mql'];
  /** The first ten by rank. */
  top: AccountRow[];
}

/** The run's accounts in brief for `show --json`; null when the run scored none. */
export async function accountsOverview(db: Kysely<Database>, runId: string): Promise<AccountsOverview | null> {
  const run = await accountScoreRun(db, runId);
  if (!run) return null;
  const top = await accountScoresOf(db, runId, { top: SHOW_TOP });
  return { modelVersionId: run.model_version_id, level: run.level, asOf: run.as_of, scored: run.accounts, tiers: run.summary.tiers, mql: run.summary.mql,
    top: top.map(columnsOf) };
}
const SHOW_TOP = 10;

/** One contender's lift chart from the run's backtest: each tenth of accounts' share of the new ACV won after the cut, top tenth first. */
export interface AccountsLift {
  modelVersionId: string;
  role: 'challenger' | 'champion';
  /** The version the run's account scores come from. */
  serving: boolean;
  /** The top tenth's share over 10%: the metric the gate holds. */
  lift: number | null;
  /** Ten shares, or null when the backtest could not draw them (no new ACV won after the cut). */
  acvShareByDecile: number[] | null;
  cut: string | null;
  judgedTo: string | null;
}

/** An MQL of the run's month, with where its hand-off to sales stands. */
export type CrossedAccount = AccountRow & Pick<AccountScoreRow, 'mql_at' | 'handoff'>;

/** What the report's section shows of a run's accounts. */
export interface AccountsSection {
  overview: AccountsOverview;
  /** The first `top` by rank. */
  top: AccountRow[];
  /** The accounts that crossed the MQL threshold in the run's month, by rank, the first `limits.crossed` (the summary's mql counts them all). */
  crossed: CrossedAccount[];
  lift: AccountsLift[];
}

/** The report section's reads; null when the run scored no accounts. */
export async function accountsSection(db: Kysely<Database>, runId: string, limits: { top: number; crossed: number }): Promise<AccountsSection | null> {
  const overview = await accountsOverview(db, runId);
  if (!overview) return null;
  const top = (await accountScoresOf(db, runId, { top: limits.top })).map(columnsOf);
  const crossed = (await accountScoresOf(db, runId, { crossedThisMonth: true, top: limits.crossed }))
    .map((r) => ({ ...columnsOf(r), mql_at: r.mql_at, handoff: r.handoff }));
  return { overview, top, crossed, lift: await accountsLift(db, runId, overview.modelVersionId) };
}

/**
 * The run's `accounts_top_decile_lift` backtest rows as lift charts: the
 * serving version's first, then the other contender's when the run has one.
 */
export async function accountsLift(db: Kysely<Database>, runId: string, servingVersionId: string): Promise<AccountsLift[]> {
  const rows = await db.selectFrom('backtests').select(['model_version_id', 'role', 'value', 'detail'])
    .where('run_id', '=', runId).where('metric', '=', 'accounts_top_decile_lift').orderBy('role').execute();
  return rows.map((b) => {
    const d = (b.detail ?? {}) as { acvShareByDecile?: unknown; cut?: unknown; judgedTo?: unknown };
    const shares = d.acvShareByDecile;
    const whole = Array.isArray(shares) && shares.length === 10 && shares.every((s) => typeof s === 'number' && Number.isFinite(s));
    return {
      modelVersionId: b.model_version_id, role: b.role, serving: b.model_version_id === servingVersionId, lift: b.value,
      acvShareByDecile: whole ? shares as number[] : null,
      cut: typeof d.cut === 'string' ? d.cut : null, judgedTo: typeof d.judgedTo === 'string' ? d.judgedTo : null,
    };
  }).sort((a, b) => Number(b.serving) - Number(a.serving));
}

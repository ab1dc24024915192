import { DEFAULT_CONFIG, type AcvloopConfig } from '../config/schema';
import { accountBook } from '../models/accounts/book';
import { accountMql, engagementScores, type AccountMql } from '../models/accounts/engagement';
import { dayBefore } from '../models/accounts/outcomes';
import { accountScores, type AccountScore } from '../models/accounts/score';
import { serveAccounts } from '../models/accounts/serve';
import { accountsParamsOf, bookRowsBefore } from '../models/accounts/stored';
import { tierKpis } from '../models/accounts/tier-kpis';
import { accountScoreRun, accountsAreScored, storeAccountScores, type AccountScoreRow, type AccountScoreSummary } from '../store/account-scores';
import { inLockedTransaction } from '../store/transaction';
import { heartbeat, runContext, type ActivityDeps } from './context';
import { loadSources } from './load';
import { gatePromotions, servingVersion } from './registry';
import { knownBefore, runAttributionPolicy } from './retrain';

/** Contacts an account's line names, the most engaged first. */
const TOP_CONTACTS = 5;

/** The touch columns engagement reads. */
const TOUCH_COLUMNS = ['account_id', 'contact_id', 'channel', 'campaign_id', 'occurred_at', 'kind'] as const;

/** The accounts settings of a run's config; a run started before the key existed takes the defaults. */
export const accountsConfigOf = (config: Partial<AcvloopConfig> | null | undefined): AcvloopConfig['accounts'] =>
  ({ ...DEFAULT_CONFIG.accounts, ...config?.accounts });

/**
 * The accounts to pursue of a run (issue 16): every account known at the
 * run's as-of date scored by the serving `accounts` version (the run's
 * challenger if the gate let it through, else the champion, else the
 * segment-rate baseline), ranked and tiered by expected ACV, its engagement
 * and MQL state under the run's attribution agreement at the month's end,
 * and the KPIs of each tier over the twelve months before. Stored with
 * its summary in one transaction under the run's lock, so a retried or
 * duplicated activity stores it once; a second call returns what the first
 * stored.
 */
export async function scoreAccounts(deps: ActivityDeps, runId: string): Promise<{ accounts: number; modelVersionId: string; level: string }> {
  const { db } = deps.db;
  const known = await accountScoreRun(db, runId);
  if (known) return { accounts: known.accounts, modelVersionId: known.model_version_id, level: known.level };
  const { run, batchId, asOf, scope } = await runContext(deps, runId);
  const settings = accountsConfigOf(run.config as Partial<AcvloopConfig> | null);
  const serving = await servingVersion(deps, runId, 'accounts', await gatePromotions(deps, runId));
  const agreement = runAttributionPolicy(run);
  const policy = agreement.policy.engagement;

  const rows = await loadSources(deps, batchId, ['accounts', 'opportunities', 'contracts', 'touchpoints', 'usage'],
    { touchpoints: [...TOUCH_COLUMNS], usage: ['account_id', 'month', 'active_users', 'usage_units'] }, scope);
  const book = accountBook(bookRowsBefore(rows, asOf));
  const { touches, closed } = knownBefore(rows, asOf);
  heartbeat({ accounts: 'book read' });

  // Engagement under the run's agreement at the month's end, summed once: the scores read it, the lines show it and its contacts.
  const monthEnd = dayBefore(asOf);
  const engagement = engagementScores(touches, policy, monthEnd);
  const served = serveAccounts(accountsParamsOf(serving.params), book, asOf, touches, policy, engagement.accounts);
  heartbeat({ accounts: 'scored' });
  const topParent = settings.level === 'family'
    ? new Map((await db.selectFrom('account_rollup').select(['account_id', 'top_parent_id']).where('run_id', '=', runId).execute())
      .map((r) => [r.account_id, r.top_parent_id]))
    : undefined;
  if (topParent && topParent.size === 0) throw new Error(`run ${runId}: the family level needs the account graph (account_rollup), which the run has not built`);
  const scores = accountScores(served.wins, served.expansions, { tiers: settings.tiers, level: settings.level, topParent });

  // MQL at the end of the run's month, under the run's agreement; hand-off read from the opportunities known by then.
  const mqlOf = accountMql(touches, closed.map((o) => ({ account_id: o.account_id, created_at: o.created_at.slice(0, 10) })), policy, monthEnd);
  const contactsOf = engagement.contacts;
  const lines = scores.map((s) => accountScoreRow(s, s.members.map((m) => mqlOf.get(m)).filter((m): m is AccountMql => m !== undefined),
    s.members.flatMap((m) => [...contactsOf.get(m) ?? []]), policy.mqlThreshold));
  const summary: AccountScoreSummary = {
    tierCuts: settings.tiers,
    policy: { version: agreement.version, sha256: agreement.sha256 },
    mql: {
      threshold: policy.mqlThreshold,
      accounts: lines.filter((l) => l.mql).length,
      crossedThisMonth: lines.filter((l) => l.mql_crossed_this_month).length,
      handoff: {
        accepted: lines.filter((l) => l.handoff === 'accepted').length,
        pending: lines.filter((l) => l.handoff === 'pending').length,
        not_accepted: lines.filter((l) => l.handoff === 'not_accepted').length,
      },
    },
    tiers: tierKpis(book, scores, asOf),
    known: served.wins.length,
    customers: served.expansions.length,
  };
  const stored = await inLockedTransaction(deps, `score-accounts:${runId}`, async (client, tx) => {
    if (await accountsAreScored(tx, runId)) return (await accountScoreRun(tx, runId))!.accounts;
    await storeAccountScores(client, { run_id: runId, model_version_id: serving.model_version_id, level: settings.level, as_of: asOf, accounts: lines.length, summary }, lines);
    return lines.length;
  });
  return { accounts: stored, modelVersionId: serving.model_version_id, level: settings.level };
}

/**
 * One scored line as stored. A family is an MQL when any member is, and
 * shows the latest crossing among its members with that member's hand-off.
 * Its most engaged contacts (of touches that name one) are kept in the
 * detail, each an MQL on its own when it scores the threshold.
 */
function accountScoreRow(s: AccountScore, mqls: readonly AccountMql[], contacts: readonly [string, number][], threshold: number): AccountScoreRow {
  const latest = mqls.filter((m) => m.mqlAt !== null).sort((a, b) => (a.mqlAt! < b.mqlAt! ? 1 : -1))[0];
  const topContacts = [...contacts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP_CONTACTS)
    .map(([contact_id, score]) => ({ contact_id, score, mql: score >= threshold }));
  return {
    account_id: s.account_id, rank: s.rank, tier: s.tier,
    win_propensity: s.winPropensity, expected_new_acv: s.expectedNewAcv,
    expansion_propensity: s.expansionPropensity, expected_expansion_acv: s.expectedExpansionAcv,
    engagement_score: s.engagement,
    mql: mqls.some((m) => m.mql),
    mql_at: latest?.mqlAt ?? null,
    mql_crossed_this_month: mqls.some((m) => m.crossedThisMonth),
    handoff: latest?.handoff ?? null,
    drivers: s.driversText,
    detail: { drivers: s.drivers, members: s.members.length > 1 ? s.members : undefined, contacts: topContacts, threshold },
  };
}

/** The Temporal activity: the run's accounts, once per run, on any worker. */
export function scoreAccountsActivities(deps: ActivityDeps) {
  return { scoreAccounts: ({ runId }: { runId: string }) => scoreAccounts(deps, runId) };
}

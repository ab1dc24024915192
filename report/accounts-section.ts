/**
 * The report's accounts section (issue 16): the accounts to pursue by rank,
 * the backtest's lift chart behind the ranking, the accounts that crossed the
 * MQL threshold this month and where their hand-off to sales stands, and the
 * tiers' KPIs (ACV lift, win rate, deal velocity). Read back as stored.
 */
import { accountsSection, type AccountsLift, type AccountsSection, type CrossedAccount } from '../queries/accounts';
import type { TierKpis } from '../store/account-scores';
import type { Db } from '../sql/db';
import { pct, usd } from '../lib/format';
import { accountsLiftChart, liftVersionLabel, renderSvg } from './charts';
import { esc } from './escape';
import { table } from './table';

/** How many accounts the section lists by rank, and of this month's MQLs; `acvloop accounts` has them all. */
export const SECTION_TOP = 20;
export const SECTION_CROSSED = 50;

/** The section's body: one sentence when the run scored no accounts. */
export async function accountsSectionHtml(handle: Db, runId: string): Promise<string> {
  const s = await accountsSection(handle.db, runId, { top: SECTION_TOP, crossed: SECTION_CROSSED });
  if (!s) {
    return '<p class="empty">This run scored no accounts: it ran before accounts were scored, or has not reached its score stage yet.</p>';
  }
  const spec = accountsLiftChart(s.lift);
  const svg = spec ? await renderSvg(spec) : null;
  return `${introHtml(runId, s)}<h3>Top accounts</h3>${topTable(s)}
    <h3>The backtest's lift chart</h3>${liftHtml(s.lift, svg)}
    <h3>Crossed the MQL threshold this month</h3>${crossedHtml(s)}
    <h3>KPIs by tier</h3>${tierHtml(s.overview.tiers, s.overview.asOf)}`;
}

const lines = (s: AccountsSection, n: number) => `${n} ${s.overview.level === 'family' ? (n === 1 ? 'family' : 'families') : (n === 1 ? 'account' : 'accounts')}`;
const ratio = (x: number | null, digits = 2) => (x === null || !Number.isFinite(x) ? '—' : `${x.toFixed(digits)}×`);

function introHtml(runId: string, s: AccountsSection): string {
  const o = s.overview;
  return `<p>${esc(lines(s, o.scored))} scored as of ${esc(o.asOf)} by model version <code>${esc(o.modelVersionId)}</code>${
    o.level === 'family' ? ' (each family of subsidiaries under its top parent)' : ''}; ${esc(o.mql.accounts)} over the MQL threshold of ${
    esc(o.mql.threshold)}, ${esc(o.mql.crossedThisMonth)} of them crossed it this month. <code>acvloop accounts ${esc(runId)} --csv</code> lists them all.</p>`;
}

/** The first accounts by rank, with the three drivers of each in words. */
function topTable(s: AccountsSection): string {
  const shown = s.top.length < s.overview.scored ? `<p class="note">The first ${s.top.length} of ${s.overview.scored} by rank.</p>` : '';
  return table(['rank', 'account', 'tier', 'win propensity', 'expected new ACV', 'expansion propensity', 'expected expansion ACV', 'engagement', 'MQL', 'drivers'],
    s.top.map((a) => [a.rank, a.account_id, a.tier, pct(a.win_propensity), usd(a.expected_new_acv), pct(a.expansion_propensity),
      usd(a.expected_expansion_acv), a.engagement_score.toFixed(1), a.mql ? 'yes' : 'no', a.drivers]),
    { numeric: [true, false, true, true, true, true, true, true, false, false] }) + shown;
}

/** The chart, and each contender's top tenth in words (what a screen reader and a printout without colour read). */
function liftHtml(lift: readonly AccountsLift[], svg: string | null): string {
  if (!lift.length) return '<p class="empty">The run has no backtest of the accounts\' lift.</p>';
  const words = lift.map((l) => `<li>${esc(liftVersionLabel(l))}: ${l.acvShareByDecile
    ? `the top tenth held ${esc(pct(l.acvShareByDecile[0]))} of the new ACV won after the cut, ${esc(ratio(l.lift))} its share`
    : 'no chart: no new ACV was won after the cut'}</li>`).join('');
  return `${svg ? `<figure class="chart">${svg}</figure>` : ''}<ul>${words}</ul>`;
}

const HANDOFF: Record<string, string> = {
  accepted: 'accepted: an opportunity opened',
  pending: 'pending: within the days sales has to open one',
  not_accepted: 'not accepted: no opportunity in time',
};

/** This month's MQLs by rank, with the day each crossed and its hand-off. */
function crossedHtml(s: AccountsSection): string {
  const all = s.overview.mql.crossedThisMonth;
  const handoff = s.overview.mql.handoff;
  const shown = s.crossed.length < all ? `<p class="note">The first ${s.crossed.length} of ${all} by rank.</p>` : '';
  const counts = `<p>Hand-off to sales of every MQL: ${esc(handoff.accepted)} accepted, ${esc(handoff.pending)} pending, ${esc(handoff.not_accepted)} not accepted.</p>`;
  return table(['rank', 'account', 'tier', 'MQL since', 'engagement', 'hand-off', 'expected new ACV'],
    s.crossed.map((a: CrossedAccount) => [a.rank, a.account_id, a.tier, a.mql_at ?? '—', a.engagement_score.toFixed(1),
      a.handoff === null ? '—' : HANDOFF[a.handoff] ?? a.handoff, usd(a.expected_new_acv)]),
    { numeric: [true, false, true, false, true, false, true] }) + shown + counts;
}

/** Each tier's accounts, expected ACV, and what its accounts did over the twelve months to the as-of date. */
function tierHtml(tiers: readonly TierKpis[], asOf: string): string {
  return `<p>Won, closed and deal velocity over the twelve months before ${esc(asOf)}; ACV lift is the tier's share of the won ACV over its share of the accounts.</p>${
    table(['tier', 'accounts', 'expected new ACV', 'expected expansion ACV', 'closed', 'won', 'win rate', 'won ACV', 'ACV lift', 'deal velocity (days)'],
      tiers.map((t) => [t.tier, t.accounts, usd(t.expectedNewAcv), usd(t.expectedExpansionAcv), t.closed, t.won, pct(t.winRate), usd(t.wonAcv), ratio(t.acvLift),
        t.dealVelocityDays === null ? '—' : String(Math.round(t.dealVelocityDays * 10) / 10)]),
      { numeric: [true, true, true, true, true, true, true, true, true, true] })}`;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsSectionHtml, SECTION_TOP } from '../../report/accounts-section';
import { buildRunReport } from '../../report/html';
import { insertBacktests } from '../../store/backtests';
import { storeAccountScores, type AccountScoreRow, type AccountScoreRunRow, type TierKpis } from '../../store/account-scores';
import { inLockedTransaction } from '../../store/transaction';
import { pct, tableAfter, usd } from '../helpers/html-tables';
import { suiteDb } from '../helpers/db';
import { registerRun, type TestDb } from '../activities/support';

/**
 * The report's accounts section reads back what the run stored: the top
 * accounts by rank, the backtest's lift chart (ten bars per contender against
 * the 10% of no skill), this month's MQLs with their hand-off, and the tiers'
 * KPIs; a run without account scores says so in one sentence.
 */
let db: TestDb;
const scored = 'acc-report-1';
const bare = 'acc-report-bare';
const serving = `${scored}/accounts`;
const champion = 'baseline/accounts';
const SERVING_SHARES = [0.41, 0.17, 0.11, 0.08, 0.07, 0.05, 0.04, 0.03, 0.025, 0.015];
const CHAMPION_SHARES = [0.22, 0.15, 0.12, 0.11, 0.1, 0.09, 0.07, 0.06, 0.05, 0.03];
const HANDOFFS = ['accepted', 'pending', 'not_accepted'] as const;

/** 30 accounts ranked 1..30; every fifth crossed the MQL threshold this month; drivers with characters HTML must escape. */
const rows: AccountScoreRow[] = Array.from({ length: 30 }, (_, i) => {
  const rank = i + 1;
  const crossed = rank % 5 === 0;
  return {
    account_id: `acct-${String(rank).padStart(3, '0')}`, rank, tier: rank <= 6 ? 1 : rank <= 15 ? 2 : 3,
    win_propensity: 0.9 - rank * 0.02, expected_new_acv: 200_000 - rank * 5_000, expansion_propensity: rank % 3 === 0 ? null : 0.5 - rank * 0.01,
    expected_expansion_acv: rank % 3 === 0 ? 0 : 30_000 - rank * 500, engagement_score: 20 - rank * 0.5, mql: crossed || rank < 4,
    mql_at: crossed ? `2026-10-${String(rank % 28 + 1).padStart(2, '0')}` : rank < 4 ? '2026-08-02' : null, mql_crossed_this_month: crossed,
    handoff: crossed ? HANDOFFS[(rank / 5) % 3] : rank < 4 ? 'accepted' : null,
    drivers: rank === 2 ? 'parent <Globex & Co> "won" before; webinars' : `segment enterprise; engagement ${rank}`, detail: { members: [`acct-${rank}`] },
  };
});

const tiers: TierKpis[] = [
  { tier: 1, accounts: 6, expectedNewAcv: 1_095_000, expectedExpansionAcv: 140_500, closed: 23, won: 9, winRate: 9 / 23, wonAcv: 812_345, acvLift: 3.4172, dealVelocityDays: 47.5 },
  { tier: 2, accounts: 9, expectedNewAcv: 1_305_000, expectedExpansionAcv: 160_250, closed: 31, won: 6, winRate: 6 / 31, wonAcv: 301_000, acvLift: 0.8861, dealVelocityDays: 63 },
  { tier: 3, accounts: 15, expectedNewAcv: 1_162_500, expectedExpansionAcv: 99_000, closed: 12, won: 0, winRate: 0, wonAcv: 0, acvLift: null, dealVelocityDays: null },
];
const crossedRows = rows.filter((r) => r.mql_crossed_this_month);
const run: AccountScoreRunRow = {
  run_id: scored, model_version_id: serving, level: 'account', as_of: '2026-11-01', accounts: rows.length,
  summary: {
    tierCuts: { tier1: 170_000, tier2: 125_000 }, policy: { version: '2026-12-01', sha256: null }, tiers, known: 40, customers: 20,
    mql: { threshold: 8, accounts: rows.filter((r) => r.mql).length, crossedThisMonth: crossedRows.length,
      handoff: { accepted: 3, pending: 2, not_accepted: 1 } },
  },
};

let section: string;

beforeAll(async () => {
  db = await suiteDb('report_accounts');
  const sha = 'c'.repeat(64);
  await registerRun(db, scored, { dir: '/nonexistent/drop', sha256: sha, month: '2026-10' });
  await registerRun(db, bare, { dir: '/nonexistent/drop', sha256: sha, month: '2026-10' });
  await inLockedTransaction({ db }, `test:${scored}`, (client) => storeAccountScores(client, run, rows));
  const backtest = (id: string, role: 'challenger' | 'champion', shares: number[]) => ({
    run_id: scored, model_version_id: id, role, metric: 'accounts_top_decile_lift', value: shares[0] / 0.1,
    detail: JSON.stringify({ acvShareByDecile: shares, cut: '2026-05-01', judgedTo: '2026-11-01', outOfSample: true }),
  });
  await insertBacktests(db.db, [backtest(serving, 'challenger', SERVING_SHARES), backtest(champion, 'champion', CHAMPION_SHARES)]);
  section = await accountsSectionHtml(db, scored);
});

afterAll(async () => {
  await db?.drop();
});


describe('the accounts section of the report', () => {
  it('lists the top accounts by rank with what was stored, escaped', () => {
    const top = tableAfter(section, 'Top accounts');
    expect(top).toHaveLength(SECTION_TOP);
    top.forEach((cells, i) => {
      const r = rows[i];
      expect(cells.slice(0, 9)).toEqual([String(r.rank), r.account_id, String(r.tier), pct(r.win_propensity), usd(r.expected_new_acv),
        r.expansion_propensity === null ? '—' : pct(r.expansion_propensity), usd(r.expected_expansion_acv), r.engagement_score.toFixed(1), r.mql ? 'yes' : 'no']);
    });
    expect(top[1][9]).toBe('parent &lt;Globex &amp; Co&gt; &quot;won&quot; before; webinars');
    expect(section).not.toContain('<Globex');
    expect(section).toContain(`The first ${SECTION_TOP} of ${rows.length} by rank`);
  });

  it('draws the lift chart: ten bars per contender, each as tall as its stored share, the serving version first, against the 10% line', () => {
    const bars = [...section.matchAll(/<path aria-label="([^"]+): tenth (\d+) held ([\d.]+)% of the new ACV won after the cut" role="graphics-symbol" aria-roledescription="bar" d="M[\d.]+,[\d.]+h[\d.]+v([\d.]+)h/g)]
      .map((m) => ({ version: m[1], tenth: Number(m[2]), label: m[3], height: Number(m[4]) }));
    expect(bars).toHaveLength(20);
    const of = (label: string) => bars.filter((b) => b.version === label);
    const servingBars = of(`${serving} (challenger, serving)`);
    const championBars = of(`${champion} (champion)`);
    expect(servingBars.map((b) => [b.tenth, b.label])).toEqual(SERVING_SHARES.map((s, i) => [i + 1, (s * 100).toFixed(1)]));
    expect(championBars.map((b) => [b.tenth, b.label])).toEqual(CHAMPION_SHARES.map((s, i) => [i + 1, (s * 100).toFixed(1)]));
    // One y scale: a bar's height over the tallest's is its share over the largest share.
    const tallest = servingBars[0].height;
    for (const [drawn, shares] of [[servingBars, SERVING_SHARES], [championBars, CHAMPION_SHARES]] as const) {
      drawn.forEach((b, i) => expect(b.height / tallest).toBeCloseTo(shares[i] / SERVING_SHARES[0], 6));
    }
    expect(section.indexOf(`${serving} (challenger, serving)`)).toBeLessThan(section.indexOf(`${champion} (champion)`));
    expect(section).toContain('no skill (10%)');
    expect(section).toContain(`<li>${serving} (challenger, serving): the top tenth held 41.0% of the new ACV won after the cut, 4.10× its share</li>`);
    expect(section).toContain(`<li>${champion} (champion): the top tenth held 22.0% of the new ACV won after the cut, 2.20× its share</li>`);
  });

  it('lists the accounts that crossed the MQL threshold this month, with their hand-off', () => {
    const crossed = tableAfter(section, 'Crossed the MQL threshold this month');
    const words = { accepted: 'accepted: an opportunity opened', pending: 'pending: within the days sales has to open one', not_accepted: 'not accepted: no opportunity in time' };
    expect(crossed).toEqual(crossedRows.map((r) => [String(r.rank), r.account_id, String(r.tier), r.mql_at, r.engagement_score.toFixed(1),
      words[r.handoff as keyof typeof words], usd(r.expected_new_acv)]));
    expect(section).toContain('Hand-off to sales of every MQL: 3 accepted, 2 pending, 1 not accepted.');
  });

  it('gives each tier\'s KPIs as stored', () => {
    const byTier = tableAfter(section, 'KPIs by tier');
    expect(byTier).toEqual([
      ['1', '6', '$1,095,000', '$140,500', '23', '9', '39.1%', '$812,345', '3.42×', '47.5'],
      ['2', '9', '$1,305,000', '$160,250', '31', '6', '19.4%', '$301,000', '0.89×', '63'],
      ['3', '15', '$1,162,500', '$99,000', '12', '0', '0.0%', '$0', '—', '—'],
    ]);
  });

  it('says in one sentence when the run scored no accounts', async () => {
    const html = await accountsSectionHtml(db, bare);
    expect(html).toBe('<p class="empty">This run scored no accounts: it ran before accounts were scored, or has not reached its score stage yet.</p>');
  });

  it('sits in the page after renewals, with its link in the contents', async () => {
    const page = await buildRunReport(db, scored);
    const ids = [...page.matchAll(/<section id="([^"]+)">/g)].map((m) => m[1]);
    expect(ids.indexOf('accounts')).toBe(ids.indexOf('renewals') + 1);
    expect(page).toContain('<a href="#accounts">accounts</a>');
    expect(page).toContain('<h2>Accounts to pursue</h2>');
    expect(page).toContain(section);
  });
});

/**
 * The accounts to pursue of a run through the stages on real Postgres,
 * checked against the drop's own CSV files read here with the test's code:
 * every account created before the as-of date scored once; the engagement
 * score a brute-force sum of the touches' decayed weights; the win
 * propensity the serving version's model applied to the drop read again by
 * validateDrop; ranks and tiers from the expected ACVs; the tier KPIs
 * counted from opportunities.csv; a retry stores nothing twice; and at the
 * family level one line per top parent holding its members' sums.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { createActivities } from '../../activities';
import { scoreAccounts } from '../../activities/score-accounts';
import { configSchema } from '../../config/schema';
import { validateDrop } from '../../contracts';
import { accountBook } from '../../models/accounts/book';
import { accountsParamsOf, bookRowsBefore, engagementAtOf, type FittedAccounts } from '../../models/accounts/stored';
import { scoreWins } from '../../models/accounts/win-propensity';
import { accountScoreRun, accountScoresOf } from '../../store/account-scores';
import { fxRateOf } from '../helpers/fx';
import { readRun } from '../../queries/run-report';
import { scorePlanOf } from '../../store/score-shards';
import type { ScorePlan } from '../../models/scoring-inputs';
import { suiteDb } from '../helpers/db';
import { smallDrop } from '../helpers/drops';
import { callStage, csvObjects, depsFor, registerRun, STAGES, type TestDb, type TestDrop } from './support';

let db: TestDb;
let drop: TestDrop;
const RUN = 'acc-scores-1';
const FAMILY_RUN = 'acc-scores-family';
const AS_OF = '2026-11-01';
const MONTH_END_MS = Date.parse('2026-11-01T00:00:00Z');
const DAY = 86_400_000;

type Row = Awaited<ReturnType<typeof accountScoresOf>>[number];
let rows: Row[];
let accountsCsv: Record<string, string>[];

beforeAll(async () => {
  db = await suiteDb('act_account_scores');
  drop = await smallDrop({ seed: 5, accounts: 400, months: 30 });
  accountsCsv = csvObjects(path.join(drop.dir, 'accounts.csv'));
  await registerRun(db, RUN, drop);
  for (const stage of STAGES) await callStage(db, stage, RUN);
  rows = await accountScoresOf(db.db, RUN);
}, 600_000);

afterAll(async () => {
  await db?.drop();
  drop?.cleanup();
});

describe('scoreAccounts', () => {
  it('scores every account created before the as-of date once, ranked 1..n by expected ACV', () => {
    const known = accountsCsv.filter((a) => Date.parse(a.created_at) < MONTH_END_MS).map((a) => a.account_id).sort();
    expect(rows.map((r) => r.account_id).sort()).toEqual(known);
    expect(rows.map((r) => r.rank)).toEqual(rows.map((_, i) => i + 1));
    const acv = rows.map((r) => r.expected_new_acv + r.expected_expansion_acv);
    for (let i = 1; i < acv.length; i++) expect(acv[i]).toBeLessThanOrEqual(acv[i - 1]);
  });

  it('puts the top 10% in tier 1 and the next 30% in tier 2 (the default cuts)', () => {
    const n = rows.length;
    const tier = (t: number) => rows.filter((r) => r.tier === t).length;
    expect(tier(1)).toBe(Math.ceil(0.1 * n));
    expect(tier(1) + tier(2)).toBe(Math.ceil(0.4 * n));
    expect(rows.slice(0, tier(1)).every((r) => r.tier === 1)).toBe(true);
  });

  it('shows each account\'s engagement as the decayed sum of its touches (half-life 45 days, offline 2, lookback 365)', () => {
    const touches = csvObjects(path.join(drop.dir, 'touchpoints.csv'));
    const brute = new Map<string, number>();
    const byContact = new Map<string, Map<string, number>>();
    for (const t of touches) {
      const at = Date.parse(t.occurred_at);
      const age = MONTH_END_MS - at;
      if (age <= 0 || age > 365 * DAY) continue;
      const w = (t.kind === 'offline' ? 2 : 1) * Math.pow(0.5, age / DAY / 45);
      brute.set(t.account_id, (brute.get(t.account_id) ?? 0) + w);
      if (!t.contact_id) continue;
      const contacts = byContact.get(t.account_id) ?? new Map<string, number>();
      contacts.set(t.contact_id, (contacts.get(t.contact_id) ?? 0) + w);
      byContact.set(t.account_id, contacts);
    }
    let engaged = 0;
    for (const r of rows) {
      const want = brute.get(r.account_id) ?? 0;
      expect(r.engagement_score, r.account_id).toBeCloseTo(want, 6);
      expect(r.mql, r.account_id).toBe(want >= 3);
      if (want > 0) engaged++;
      // Its most engaged contacts, at most five, each with its own score and MQL state.
      const contacts = [...byContact.get(r.account_id) ?? []].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
      const stored = (r.detail as { contacts: { contact_id: string; score: number; mql: boolean }[] }).contacts;
      expect(stored.map((c) => c.contact_id), r.account_id).toEqual(contacts.map(([id]) => id));
      stored.forEach((c, i) => { expect(c.score).toBeCloseTo(contacts[i][1], 6); expect(c.mql).toBe(contacts[i][1] >= 3); });
    }
    expect(engaged).toBeGreaterThan(rows.length / 4);
  });

  it('scores wins with the serving version\'s model, as that model scores the drop read again', async () => {
    const run = (await accountScoreRun(db.db, RUN))!;
    const version = await db.db.selectFrom('model_versions').select('params').where('model_version_id', '=', run.model_version_id).executeTakeFirstOrThrow();
    const params = accountsParamsOf(version.params);
    expect(params.kind).toBe('accounts');
    const fitted = params as FittedAccounts;
    const v = await validateDrop(drop.dir);
    const touches = v.rows.touchpoints.filter((t) => t.occurred_at < AS_OF);
    const wins = scoreWins(fitted.win, accountBook(bookRowsBefore(v.rows, AS_OF)), AS_OF, { engagementAt: engagementAtOf(touches, fitted.policy!) });
    const byId = new Map(rows.map((r) => [r.account_id, r]));
    expect(wins.length).toBe(rows.length);
    for (const w of wins) {
      const r = byId.get(w.account_id)!;
      expect(r.win_propensity / w.propensity, w.account_id).toBeCloseTo(1, 6);
    }
    expect(rows.every((r) => r.drivers.length > 0)).toBe(true);
  });

  it('counts each tier\'s closed and won opportunities of the last twelve months as opportunities.csv does', async () => {
    const run = (await accountScoreRun(db.db, RUN))!;
    const tierOf = new Map(rows.map((r) => [r.account_id, r.tier]));
    const from = Date.parse('2025-11-01T00:00:00Z');
    const counts = [1, 2, 3].map(() => ({ closed: 0, won: 0, days: [] as number[] }));
    for (const o of csvObjects(path.join(drop.dir, 'opportunities.csv'))) {
      const tier = tierOf.get(o.account_id);
      if (!tier || !o.closed_at || !['closed_won', 'closed_lost', 'won', 'lost'].includes(o.stage)) continue;
      const closed = Date.parse(o.closed_at.slice(0, 10));
      if (Date.parse(o.created_at) >= MONTH_END_MS || closed < from || closed >= MONTH_END_MS) continue;
      const c = counts[tier - 1];
      c.closed++;
      if (o.stage.endsWith('won')) { c.won++; c.days.push((closed - Date.parse(o.created_at.slice(0, 10))) / DAY); }
    }
    const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
    expect(counts.reduce((n, c) => n + c.closed, 0)).toBeGreaterThan(10);
    for (const t of run.summary.tiers) {
      const c = counts[t.tier - 1];
      expect(t.closed, `tier ${t.tier}`).toBe(c.closed);
      expect(t.won, `tier ${t.tier}`).toBe(c.won);
      expect(t.winRate).toBe(c.closed ? c.won / c.closed : null);
      expect(t.dealVelocityDays).toBe(c.days.length ? median(c.days) : null);
    }
    const lift = run.summary.tiers.map((t) => t.acvLift ?? 0);
    // Tier 1 holds more of the won ACV per account than tier 3: the ranking reads the history it is judged on.
    expect(lift[0]).toBeGreaterThan(lift[2]);
  });

  it('stores nothing twice when called again', async () => {
    const before = await db.pool.query('select count(*)::int as n from account_scores where run_id = $1', [RUN]);
    const again = await scoreAccounts(depsFor(db), RUN);
    expect(again.accounts).toBe(rows.length);
    const after = await db.pool.query('select count(*)::int as n from account_scores where run_id = $1', [RUN]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});

describe('the backtest of the MQL hand-off', () => {
  it('judges the agreement\'s threshold at a cut three months back: MQLs against the others, by opportunities opened since', async () => {
    const row = await db.db.selectFrom('backtests').select(['value', 'detail', 'role']).where('run_id', '=', RUN).where('metric', '=', 'accounts_mql_lift').executeTakeFirstOrThrow();
    const d = row.detail as { cut: string; mqlAccounts: number; others: number; mqlRate: number; otherRate: number; threshold: number };
    expect(row.role).toBe('challenger');
    expect(d.cut).toBe('2026-08-01');
    expect(d.threshold).toBe(3);
    const known = accountsCsv.filter((a) => Date.parse(a.created_at) < Date.parse('2026-08-01T00:00:00Z'));
    expect(d.mqlAccounts + d.others).toBe(known.length);
    // The MQL accounts at the cut by the test's own decayed sum of touches, and their opportunities opened since, from the CSVs.
    const cutMs = Date.parse('2026-08-01T00:00:00Z');
    const score = new Map<string, number>();
    for (const t of csvObjects(path.join(drop.dir, 'touchpoints.csv'))) {
      const age = cutMs - Date.parse(t.occurred_at);
      if (age <= 0 || age > 365 * DAY) continue;
      score.set(t.account_id, (score.get(t.account_id) ?? 0) + (t.kind === 'offline' ? 2 : 1) * Math.pow(0.5, age / DAY / 45));
    }
    const opened = new Set(csvObjects(path.join(drop.dir, 'opportunities.csv'))
      .filter((o) => o.created_at.slice(0, 10) >= '2026-08-01' && o.created_at.slice(0, 10) < '2026-11-01').map((o) => o.account_id));
    const mql = known.filter((a) => (score.get(a.account_id) ?? 0) >= 3);
    const other = known.filter((a) => (score.get(a.account_id) ?? 0) < 3);
    expect(d.mqlAccounts).toBe(mql.length);
    const rate = (xs: typeof known) => xs.filter((a) => opened.has(a.account_id)).length / xs.length;
    expect(d.mqlRate).toBeCloseTo(rate(mql), 12);
    expect(d.otherRate).toBeCloseTo(rate(other), 12);
    expect(row.value).toBeCloseTo(rate(mql) / rate(other), 12);
  });
});

describe('the LTV counts collections', () => {
  it('scores with the invoices\' collection history: of the amount billed 120 days or more before the as-of date, the share paid by then', async () => {
    const invoices = csvObjects(path.join(drop.dir, 'invoices.csv'));
    const rate = fxRateOf(csvObjects(path.join(drop.dir, 'fx_rates.csv')));
    const judged = invoices.filter((i) => Number(i.amount) > 0 && Date.parse(i.issued_at) <= MONTH_END_MS - 120 * DAY);
    const usd = (i: Record<string, string>) => Number(i.amount) * rate(i.currency, i.issued_at.slice(0, 7));
    const billed = judged.reduce((s, i) => s + usd(i), 0);
    const paid = judged.filter((i) => i.paid_at && Date.parse(i.paid_at) < MONTH_END_MS);
    const collected = paid.reduce((s, i) => s + usd(i), 0);
    const delay = paid.reduce((s, i) => s + usd(i) * (Date.parse(i.paid_at) - Date.parse(i.issued_at)) / DAY, 0) / collected;
    const plan = (await scorePlanOf(db.db, RUN))!.plan as ScorePlan;
    expect(plan.collections!.overall.invoices).toBe(judged.length);
    expect(plan.collections!.overall.rate).toBeCloseTo(collected / billed, 6);
    expect(plan.collections!.overall.delayDays).toBeCloseTo(delay, 4);
    expect(collected / billed).toBeLessThan(1);
    const card = (await readRun(db, RUN)).contracts.ltvCard;
    expect(card.join(' ')).toContain(`collected ${(100 * collected / billed).toFixed(1)}% of what it billed`);
  });
});

describe('scoreAccounts at the family level', () => {
  it('scores one line per top parent, holding the sums of its members\' expected ACVs', async () => {
    await registerRun(db, FAMILY_RUN, drop);
    for (const stage of STAGES.slice(0, STAGES.indexOf('evaluateGate'))) await callStage(db, stage, FAMILY_RUN);
    const config = configSchema.parse({ accounts: { level: 'family' } });
    await createActivities(depsFor(db)).evaluateGate({ runId: FAMILY_RUN, thresholds: config.gate });
    await db.pool.query('update runs set config = $2 where run_id = $1', [FAMILY_RUN, JSON.stringify(config)]);
    const out = await scoreAccounts(depsFor(db), FAMILY_RUN);
    expect(out.level).toBe('family');
    // Top parents from accounts.csv with the test's own walk up the parent links.
    const parentOf = new Map(accountsCsv.map((a) => [a.account_id, a.parent_account_id || null]));
    const top = (id: string): string => { let x = id; for (let k = 0; k < 50 && parentOf.get(x); k++) x = parentOf.get(x)!; return x; };
    const accountRun = (await accountScoreRun(db.db, RUN))!;
    const familyRun = (await accountScoreRun(db.db, FAMILY_RUN))!;
    const families = await accountScoresOf(db.db, FAMILY_RUN);
    const sums = new Map<string, { n: number; newAcv: number; members: number }>();
    for (const r of rows) {
      const f = sums.get(top(r.account_id)) ?? { n: 0, newAcv: 0, members: 0 };
      f.newAcv += r.expected_new_acv;
      f.members++;
      sums.set(top(r.account_id), f);
    }
    expect(families.map((f) => f.account_id).sort()).toEqual([...sums.keys()].sort());
    expect(families.length).toBeLessThan(rows.length);
    // The same drop and data: both runs serve a model fitted alike, so a family's sum is its members' account-level values summed.
    expect(familyRun.model_version_id.endsWith('/accounts') || familyRun.model_version_id === accountRun.model_version_id).toBe(true);
    for (const f of families) expect(f.expected_new_acv / sums.get(f.account_id)!.newAcv, f.account_id).toBeCloseTo(1, 6);
    const multi = families.filter((f) => sums.get(f.account_id)!.members > 1);
    expect(multi.length).toBeGreaterThan(0);
    for (const f of multi) expect((f.detail as { members: string[] }).members.length).toBe(sums.get(f.account_id)!.members);
  }, 600_000);
});

/**
 * The registry family `accounts`: a fitted version stored as JSON reads back
 * as the same models and scores the same; the rows known before the as-of
 * date are all a fit reads; the baseline is each segment's rate, counted by
 * hand; both kinds of contender backtest on one time split.
 */
import { describe, expect, it } from 'vitest';
import { accountBook } from '../../../models/accounts/book';
import { accountsSpecOf, backtestAccountsSpec, segmentRates } from '../../../models/accounts/contenders';
import type { EngagementTouch } from '../../../models/accounts/engagement';
import { featuresAt } from '../../../models/accounts/features';
import { trainingCuts, wonIn, firstDateOf } from '../../../models/accounts/outcomes';
import { accountsParamsJson, accountsParamsOf, bookRowsBefore, engagementAtOf, fitAccounts } from '../../../models/accounts/stored';
import { scoreExpansions } from '../../../models/accounts/expansion';
import { scoreWins } from '../../../models/accounts/win-propensity';
import { parseAttributionPolicy } from '../../../models/attribution-policy';
import { createRng } from '../../../models/random';
import { dateOf, dayOf, futureRows, knownAt, randomRows } from './fixtures';
import { shiftMonths } from '../../../lib/dates';

const AS_OF = '2026-11-01';
const policy = parseAttributionPolicy({ version: '1.1.0' }, 'inline').policy.engagement;

/** Touches spread over the book's years, more for some accounts than others. */
function randomTouches(accounts: readonly { account_id: string }[], seed: number): EngagementTouch[] {
  const rng = createRng(seed);
  const out: EngagementTouch[] = [];
  for (const a of accounts) {
    for (let k = rng.int(0, 12); k > 0; k--) {
      out.push({ account_id: a.account_id, contact_id: rng.uniform() < 0.5 ? `${a.account_id}-c${rng.int(1, 3)}` : null,
        channel: rng.uniform() < 0.5 ? 'event' : 'email', kind: rng.uniform() < 0.3 ? 'offline' : 'online',
        occurred_at: `${dateOf(rng.int(dayOf('2023-01-01'), dayOf('2026-10-31')))}T10:00:00.000Z` });
    }
  }
  return out;
}

const rows = randomRows(5, 400);
const touches = randomTouches(rows.accounts, 9);
const book = accountBook(bookRowsBefore(rows, AS_OF));
const fitted = fitAccounts(book, AS_OF, policy, touches);

describe('a stored accounts version', () => {
  it('holds plain JSON that reads back as the same models and scores every account the same', () => {
    const json = accountsParamsJson(fitted.params);
    const back = accountsParamsOf(JSON.parse(json));
    expect(back).toEqual(fitted.params);
    expect(back.kind).toBe('accounts');
    if (back.kind !== 'accounts') return;
    expect(back.win.withEngagement).toBe(true);
    expect(back.policy).toEqual(policy);
    const engagementAt = engagementAtOf(touches, policy);
    const wins = scoreWins(fitted.params.win, book, AS_OF, { engagementAt });
    expect(scoreWins(back.win, book, AS_OF, { engagementAt }).map((s) => s.propensity)).toEqual(wins.map((s) => s.propensity));
    expect(wins.length).toBe(book.ids.length);
    const expansions = scoreExpansions(fitted.params.expansion, book, AS_OF, { engagementAt });
    expect(scoreExpansions(back.expansion, book, AS_OF, { engagementAt }).map((s) => s.expectedExpansionAcv)).toEqual(expansions.map((s) => s.expectedExpansionAcv));
    expect(expansions.length).toBeGreaterThan(0);
    console.log(`stored accounts version: win ${JSON.stringify(fitted.metrics.win)}; expansion ${JSON.stringify(fitted.metrics.expansion)}`);
    expect(fitted.metrics.win).toMatchObject({ converged: true, cuts: fitted.params.win.cuts });
    expect(fitted.metrics.win.rows).toBeGreaterThan(0);
  });

  it('reports each training cut read and each fit done, for the activity to heartbeat on', () => {
    const steps: string[] = [];
    const again = fitAccounts(book, AS_OF, policy, touches, (s) => steps.push(s));
    expect(again.params).toEqual(fitted.params);
    expect(steps).toEqual([
      ...fitted.params.win.cuts.map((c) => `accounts win: cut ${c} read`), 'accounts win',
      ...fitted.params.expansion.cuts.map((c) => `accounts expansion: cut ${c} read`), 'accounts expansion',
    ]);
  });

  it('refuses params of another kind or without fitted models', () => {
    expect(() => accountsParamsOf({ kind: 'logistic', coef: [] })).toThrow(/not an accounts version/);
    expect(() => accountsParamsOf({ kind: 'accounts', win: {}, expansion: fitted.params.expansion })).toThrow(/win model/);
    expect(accountsParamsOf({ kind: 'baseline_rate', by: 'segment' })).toEqual({ kind: 'baseline_rate' });
  });

  it('is fitted on the rows known before the as-of date only: later rows change nothing', () => {
    const cut = '2026-05-01';
    const later = futureRows(rows, cut, 3);
    const fromLater = fitAccounts(accountBook(bookRowsBefore(later, cut)), cut, policy, touches);
    const fromExport = fitAccounts(accountBook(knownAt(rows, cut)), cut, policy, touches);
    expect(fromLater.params).toEqual(fromExport.params);
  });
});

describe('the accounts baseline and the contenders on a time split', () => {
  it('gives each account its segment\'s rate of winning over the training cuts, counted by hand', () => {
    const cut = shiftMonths(AS_OF, -6);
    const rates = segmentRates(book, cut, 'win');
    const cuts = trainingCuts(cut, firstDateOf(book, 'opportunities')!, { horizonMonths: 6, everyMonths: 3, maxCuts: 8, minHistoryMonths: 6 });
    const counts = new Map<string, [number, number]>();
    for (const c of cuts) {
      for (const f of featuresAt(book, c)) {
        const [k, n] = counts.get(f.segment) ?? [0, 0];
        counts.set(f.segment, [k + (wonIn(book, f.slot, c, shiftMonths(c, 6), 'closed', cut).happened ? 1 : 0), n + 1]);
      }
    }
    expect(cuts.length).toBeGreaterThan(1);
    for (const [segment, [k, n]] of counts) expect(rates.bySegment[segment], segment).toBeCloseTo((k + 0.5) / (n + 1), 12);
  });

  it('backtests the fitted specification and the baseline on the same split', () => {
    const engagementAt = () => engagementAtOf(touches, policy);
    const spec = accountsSpecOf(fitted.params);
    expect(spec).toMatchObject({ kind: 'accounts', win: { horizonMonths: 6, outcome: 'closed' }, expansion: { horizonMonths: 12 }, engagement: policy });
    const model = backtestAccountsSpec(book, AS_OF, spec, engagementAt);
    const baseline = backtestAccountsSpec(book, AS_OF, accountsSpecOf({ kind: 'baseline_rate' }), engagementAt);
    for (const s of [model, baseline]) {
      expect(s.win).toMatchObject({ asOf: '2026-05-01', judgedTo: AS_OF, accounts: featuresAt(book, '2026-05-01').length });
      expect(s.expansion.asOf).toBe('2025-11-01');
    }
    for (const s of [model.win, model.expansion, baseline.win, baseline.expansion]) {
      expect(s.auc).toBeGreaterThanOrEqual(0);
      expect(s.auc).toBeLessThanOrEqual(1);
    }
    console.log(`random book time split: fitted win AUC ${model.win.auc.toFixed(3)}, baseline ${baseline.win.auc.toFixed(3)}; expansion AUC ${model.expansion.auc.toFixed(3)}, baseline ${baseline.expansion.auc.toFixed(3)}`);
  });
});

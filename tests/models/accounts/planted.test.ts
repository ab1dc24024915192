/**
 * Planted truth: a synthetic book where each account wins in each six-month
 * window with a known logistic probability of its segment, region, being a
 * customer, its parent being a customer and its engagement at the window's
 * start (drawn afresh each window), and nothing else. The win model fitted
 * on the windows before the as-of date must recover each coefficient's sign
 * and rough size, the deal size of each segment, and on the held-out window
 * after the as-of date a top-decile lift near the one the true probabilities
 * give, computed here from them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { accountBook, type AccountBook, type BookAccount, type BookContract, type BookOpportunity } from '../../../models/accounts/book';
import { contributionsOf, rawCoefficient } from '../../../models/accounts/design';
import { backtestMetrics, topShareLift } from '../../../models/accounts/backtest';
import { wonIn } from '../../../models/accounts/outcomes';
import { fitWinModel, scoreWins, winColumns, type EngagementAt, type WinModel, type WinScore } from '../../../models/accounts/win-propensity';
import { createRng } from '../../../models/random';
import { dateOf, dayOf } from './fixtures';

const TRUE = {
  intercept: -2,
  segment: { enterprise: -0.5, mid_market: 0, smb: 0.5 } as Record<string, number>,
  region: { NA: 0, EMEA: -0.4 } as Record<string, number>,
  customer: 0.7,
  familyCustomer: 0.6,
  /** On log(1 + engagement), the column the model reads. */
  engagement: 0.8,
};
const DEAL_SIZE: Record<string, number> = { enterprise: 100_000, mid_market: 30_000, smb: 8_000 };
const SEGMENTS = ['enterprise', 'mid_market', 'smb'];
const WINDOWS = ['2023-01-01', '2023-07-01', '2024-01-01', '2024-07-01', '2025-01-01', '2025-07-01', '2026-01-01'];
const AS_OF = '2026-01-01';
const JUDGED_TO = '2026-07-01';
const N = 2500;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

interface World {
  book: AccountBook;
  engagementAt: EngagementAt;
  /** True P(win) of each account (by slot) in the held-out window. */
  truth: number[];
}

function plantedWorld(seed: number): World {
  const rng = createRng(seed);
  const accounts: BookAccount[] = [];
  const contracts: BookContract[] = [];
  const opportunities: BookOpportunity[] = [];
  const customer: number[] = [];
  for (let i = 0; i < N; i++) {
    const parent = i >= N / 2 && rng.uniform() < 0.5 ? rng.int(0, N / 2 - 1) : -1;
    accounts.push({
      account_id: `A${i}`, parent_account_id: parent < 0 ? null : `A${parent}`, segment: SEGMENTS[rng.int(0, 2)] as BookAccount['segment'],
      region: rng.uniform() < 0.6 ? 'NA' : 'EMEA', industry: null, created_at: '2020-01-01',
    });
    // Only top parents buy contracts here, so a subsidiary's family customer is its parent.
    customer.push(parent < 0 && rng.uniform() < 0.4 ? 1 : 0);
    if (customer[i]) contracts.push({ contract_id: `C${i}`, account_id: `A${i}`, previous_contract_id: null, product: null, start_date: '2021-01-01', end_date: '2030-01-01', acv_usd: 10_000 });
  }
  const familyCustomer = accounts.map((a) => (a.parent_account_id === null ? 0 : customer[Number(a.parent_account_id.slice(1))]));
  const engagement = new Map<string, Map<string, number>>();
  const truth: number[] = [];
  for (const w of WINDOWS) {
    const scores = new Map<string, number>();
    engagement.set(dateOf(dayOf(w) - 1), scores);
    const start = dayOf(w);
    accounts.forEach((a, i) => {
      const e = -Math.log(1 - rng.uniform()) * 3;
      scores.set(a.account_id, e);
      const p = sigmoid(TRUE.intercept + TRUE.segment[a.segment] + TRUE.region[a.region!] + TRUE.customer * customer[i]
        + TRUE.familyCustomer * familyCustomer[i] + TRUE.engagement * Math.log1p(e));
      if (w === AS_OF) truth.push(p);
      if (rng.uniform() < p) {
        const amount = DEAL_SIZE[a.segment] * Math.exp(rng.normal(0, 0.3) - 0.045);
        opportunities.push({ account_id: a.account_id, created_at: dateOf(start + rng.int(0, 60)), closed_at: dateOf(start + rng.int(90, 170)), stage: 'won', amount_usd: amount });
      }
      // Lost deals by chance, unrelated to anything: the model should read nothing in them.
      if (rng.uniform() < 0.2) opportunities.push({ account_id: a.account_id, created_at: dateOf(start + rng.int(0, 60)), closed_at: dateOf(start + rng.int(90, 170)), stage: 'lost', amount_usd: 5000 });
    });
  }
  return { book: accountBook({ accounts, opportunities, contracts }), engagementAt: (day) => engagement.get(day) ?? new Map(), truth };
}

describe('the win model on a planted book', () => {
  let world: World;
  let model: WinModel;
  let scores: WinScore[];
  beforeAll(() => {
    world = plantedWorld(2024);
    model = fitWinModel(world.book, AS_OF, { everyMonths: 6, engagementAt: world.engagementAt });
    scores = scoreWins(model, world.book, AS_OF, { engagementAt: world.engagementAt, mqlThreshold: 6 });
  });

  it('is fitted on the windows before the as-of date from six months after the first deal', () => {
    expect(model.cuts).toEqual(['2025-07-01', '2025-01-01', '2024-07-01', '2024-01-01', '2023-07-01']);
    expect(model.fit.rows).toBe(5 * N);
    expect(model.withEngagement).toBe(true);
    expect(() => scoreWins(model, world.book)).toThrow(/fitted with engagement/);
  });

  it('recovers the planted coefficients\' signs and rough sizes', () => {
    const c = (name: string) => rawCoefficient(model.fit, name);
    expect(c('engagement')).toBeGreaterThan(TRUE.engagement * 0.7);
    expect(c('engagement')).toBeLessThan(TRUE.engagement * 1.3);
    expect(c('customer')).toBeGreaterThan(TRUE.customer * 0.6);
    expect(c('customer')).toBeLessThan(TRUE.customer * 1.4);
    expect(c('family_customer')).toBeGreaterThan(TRUE.familyCustomer * 0.6);
    expect(c('family_customer')).toBeLessThan(TRUE.familyCustomer * 1.4);
    const smbOverEnterprise = c('segment=smb') - c('segment=enterprise');
    expect(smbOverEnterprise).toBeGreaterThan(0.7);
    expect(smbOverEnterprise).toBeLessThan(1.3);
    const emeaOverNa = c('region=EMEA') - c('region=NA');
    expect(emeaOverNa).toBeLessThan(-0.2);
    expect(emeaOverNa).toBeGreaterThan(-0.6);
    // Chance losses carry nothing.
    expect(Math.abs(c('losses'))).toBeLessThan(0.15);
  });

  it('recovers each segment\'s deal size', () => {
    for (const s of SEGMENTS) {
      expect(model.dealSize.bySegment[s] / DEAL_SIZE[s]).toBeGreaterThan(0.85);
      expect(model.dealSize.bySegment[s] / DEAL_SIZE[s]).toBeLessThan(1.15);
    }
  });

  it('ranks the held-out window nearly as the true probabilities do', () => {
    const outcomes = scores.map((s) => wonIn(world.book, s.slot, AS_OF, JUDGED_TO).happened);
    const predicted = scores.map((s) => s.propensity);
    const truth = scores.map((s) => world.truth[s.slot]);
    // The lift the true probabilities expect (their own top tenth's share of the expected wins), and the model's top tenth's.
    const trueExpected = topShareLift(truth, truth);
    const modelExpected = topShareLift(predicted, truth);
    expect(trueExpected).toBeGreaterThan(2);
    expect(modelExpected).toBeGreaterThan(0.93 * trueExpected);
    // On what happened: within 15% of the truth's lift on the same outcomes.
    const modelLift = topShareLift(predicted, outcomes);
    const trueLift = topShareLift(truth, outcomes);
    expect(Math.abs(modelLift - trueLift)).toBeLessThan(0.15 * trueLift);
    const m = backtestMetrics(predicted, scores.map((s) => s.expectedNewAcv), outcomes, outcomes.map(Number));
    expect(m.calibrationMaxGap).toBeLessThan(0.08);
    expect(m.auc).toBeGreaterThan(0.68);
  });

  it('samples a large book\'s rows uniformly and still finds the planted coefficients', () => {
    const options = { everyMonths: 6, engagementAt: world.engagementAt, maxRows: 5000 };
    const sampled = fitWinModel(world.book, AS_OF, options);
    expect(sampled.sampled).toBeCloseTo(5000 / (5 * N), 12);
    expect(sampled.fit.rows).toBeGreaterThan(4700);
    expect(sampled.fit.rows).toBeLessThan(5300);
    expect(fitWinModel(world.book, AS_OF, options)).toEqual(sampled);
    const c = (name: string) => rawCoefficient(sampled.fit, name);
    expect(c('engagement') / TRUE.engagement).toBeGreaterThan(0.6);
    expect(c('engagement') / TRUE.engagement).toBeLessThan(1.4);
    expect(c('customer') / TRUE.customer).toBeGreaterThan(0.5);
    expect(c('customer') / TRUE.customer).toBeLessThan(1.5);
    expect(sampled.fit.positives / sampled.fit.rows).toBeCloseTo(model.fit.positives / model.fit.rows, 1);
  });

  it('names the three groups that move each account\'s logit most, in words', () => {
    const columns = winColumns(model.levels);
    for (const s of scores.slice(0, 200)) {
      const all = new Map<string, number>();
      contributionsOf(model.fit, columns, s.features).forEach((v, j) => all.set(columns[j].group, (all.get(columns[j].group) ?? 0) + v));
      const ranked = [...all.values()].map(Math.abs).sort((a, b) => b - a);
      expect(s.drivers.map((d) => Math.abs(d.contribution))).toEqual(ranked.slice(0, 3));
      for (const d of s.drivers) expect(d.contribution).toBeCloseTo(all.get(d.group)!, 12);
      let logit = model.fit.coef[0];
      for (const v of all.values()) logit += v;
      expect(sigmoid(logit)).toBeCloseTo(s.propensity, 12);
    }
    const keen = scores.find((s) => s.features.engagement >= 6 && s.drivers.some((d) => d.group === 'engagement'))!;
    expect(keen.drivers.find((d) => d.group === 'engagement')!.words).toBe(`engagement ${keen.features.engagement.toFixed(1)} (MQL)`);
    const child = scores.find((s) => s.features.familyCustomers === 1 && s.drivers.some((d) => d.group === 'family_customer'))!;
    expect(child.drivers.find((d) => d.group === 'family_customer')!.words).toBe('1 account of its family is a customer');
  });
});

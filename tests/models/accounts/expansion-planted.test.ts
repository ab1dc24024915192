/**
 * Planted truth for expansion: customers whose usage grows or shrinks at a
 * slope drawn afresh each year, and who buy more in the next twelve months
 * with a known logistic probability of that year's slope and their segment.
 * The expansion model, fitted on the years before the as-of date, must find
 * the usage trend's coefficient (sign and rough size), the expansion size of
 * each segment, and rank the held-out year nearly as the true probabilities do.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { accountBook, type AccountBook, type BookAccount, type BookContract, type BookUsage } from '../../../models/accounts/book';
import { rawCoefficient } from '../../../models/accounts/design';
import { fitExpansionModel, scoreExpansions, type ExpansionModel, type ExpansionScore } from '../../../models/accounts/expansion';
import { expansionIn } from '../../../models/accounts/outcomes';
import { rocAuc } from '../../../models/evaluation';
import { createRng } from '../../../models/random';
import { dateOf, dayOf } from './fixtures';

const TRUE = { intercept: -0.8, usageSlope: 25, segment: { enterprise: 0.6, mid_market: 0, smb: -0.6 } as Record<string, number> };
const SIZE: Record<string, number> = { enterprise: 50_000, mid_market: 15_000, smb: 4_000 };
const SEGMENTS = ['enterprise', 'mid_market', 'smb'] as const;
/** Each year's expansion window starts on these dates; the usage slope of the year before decides it. */
const YEARS = ['2022-01-01', '2023-01-01', '2024-01-01', '2025-01-01', '2026-01-01'];
const AS_OF = '2026-01-01';
const N = 2000;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function plantedCustomers(seed: number): { book: AccountBook; truth: number[] } {
  const rng = createRng(seed);
  const accounts: BookAccount[] = [];
  const contracts: BookContract[] = [];
  const usage: BookUsage[] = [];
  const truth: number[] = [];
  for (let i = 0; i < N; i++) {
    const segment = SEGMENTS[rng.int(0, 2)];
    accounts.push({ account_id: `A${i}`, parent_account_id: null, segment, region: 'NA', industry: null, created_at: '2019-01-01' });
    contracts.push({ contract_id: `B${i}`, account_id: `A${i}`, previous_contract_id: null, product: 'Core', start_date: '2020-01-01', end_date: '2030-01-01', acv_usd: 10_000 });
    let level = Math.log(1000);
    for (let y = 2021; y <= 2026; y++) {
      const slope = rng.normal(0, 0.03);
      for (let m = 1; m <= 12; m++) {
        level += slope;
        usage.push({ account_id: `A${i}`, month: `${y}-${String(m).padStart(2, '0')}`, active_users: 10, usage_units: Math.exp(level + rng.normal(0, 0.02)) });
      }
      const window = `${y + 1}-01-01`;
      if (!YEARS.includes(window)) continue;
      const p = sigmoid(TRUE.intercept + TRUE.segment[segment] + TRUE.usageSlope * slope);
      if (window === AS_OF) truth.push(p);
      if (rng.uniform() < p) {
        // A month-long add-on: it ends before the next cut, so it leaves nothing in later features.
        const start = dayOf(window) + rng.int(0, 300);
        contracts.push({ contract_id: `X${i}-${y}`, account_id: `A${i}`, previous_contract_id: null, product: null, start_date: dateOf(start), end_date: dateOf(start + 30), acv_usd: SIZE[segment] * Math.exp(rng.normal(0, 0.3) - 0.045) });
      }
    }
  }
  return { book: accountBook({ accounts, opportunities: [], contracts, usage }), truth };
}

describe('the expansion model on planted customers', () => {
  let world: { book: AccountBook; truth: number[] };
  let model: ExpansionModel;
  let scores: ExpansionScore[];
  beforeAll(() => {
    world = plantedCustomers(99);
    model = fitExpansionModel(world.book, AS_OF, { everyMonths: 12, minHistoryMonths: 24 });
    scores = scoreExpansions(model, world.book);
  });

  it('is fitted on the years before the as-of date', () => {
    expect(model.cuts).toEqual(['2025-01-01', '2024-01-01', '2023-01-01', '2022-01-01']);
    expect(model.fit.rows).toBe(4 * N);
  });

  it('finds the usage trend and the segments', () => {
    const usage = rawCoefficient(model.fit, 'usage_trend');
    expect(usage).toBeGreaterThan(0.75 * TRUE.usageSlope);
    expect(usage).toBeLessThan(1.25 * TRUE.usageSlope);
    const gap = rawCoefficient(model.fit, 'segment=enterprise') - rawCoefficient(model.fit, 'segment=smb');
    expect(gap).toBeGreaterThan(0.8);
    expect(gap).toBeLessThan(1.6);
    for (const s of SEGMENTS) {
      expect(model.expansionSize.bySegment[s] / SIZE[s]).toBeGreaterThan(0.85);
      expect(model.expansionSize.bySegment[s] / SIZE[s]).toBeLessThan(1.15);
    }
  });

  it('ranks the held-out year nearly as the true probabilities do, and words the usage driver', () => {
    expect(scores).toHaveLength(N);
    const outcomes = scores.map((s) => expansionIn(world.book, s.slot, AS_OF, '2027-01-01').happened);
    const predicted = scores.map((s) => s.propensity);
    const truth = scores.map((s) => world.truth[s.slot]);
    const trueAuc = rocAuc(truth, outcomes);
    expect(trueAuc).toBeGreaterThan(0.65);
    expect(rocAuc(predicted, outcomes)).toBeGreaterThan(trueAuc - 0.02);
    const growing = scores.find((s) => s.features.unitsSlope! > 0.05 && s.drivers[0].group === 'usage_trend')!;
    expect(growing.drivers[0].words).toMatch(/^usage \+\d+\.\d% a month$/);
  });
});

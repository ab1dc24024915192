/**
 * The planted account propensities (truth.json `accountPropensity`) are
 * what the drop shows: never-buyers open no deal, an account's deals follow
 * its planted weight and its industry's and region's multipliers, the weight
 * is the firmographic multiplier times lognormal noise, and a renewal's
 * price rises with the usage growth usage.csv shows over the renewed term.
 */
import { linearRegression, sampleCorrelation, standardDeviation } from 'simple-statistics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_PROPENSITY, RENEWAL_UPLIFT } from '../../generator/params';
import { spearman } from '../../models/evaluation';
import type { Drop } from './read-drop';
import { generateAndRead, removeTempDirs } from './world';

interface AccountTruth {
  coefficients: typeof ACCOUNT_PROPENSITY;
  uplift: typeof RENEWAL_UPLIFT;
  ids: string[];
  winWeight: number[];
  firmographic: number[];
  usageSlopeMean: number[];
  usageTrendAtEnd: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const monthsBetween = (a: string, b: string) => (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 + Number(b.slice(5, 7)) - Number(a.slice(5, 7));

describe('planted account propensity', () => {
  afterAll(removeTempDirs);
  let d: Drop;
  let t: AccountTruth;
  const opps = new Map<string, number>();
  beforeAll(async () => {
    d = (await generateAndRead({ seed: 42, accounts: 2000 })).drop;
    t = (d.truth as unknown as { accountPropensity: AccountTruth }).accountPropensity;
    for (const o of d.opportunities) opps.set(o.account_id, (opps.get(o.account_id) ?? 0) + 1);
  });

  it('records every account in columns, with the planted coefficients', () => {
    expect(t.ids).toEqual(d.accounts.map((a) => a.account_id));
    for (const column of [t.winWeight, t.firmographic, t.usageSlopeMean, t.usageTrendAtEnd]) expect(column).toHaveLength(t.ids.length);
    expect(t.coefficients).toEqual(ACCOUNT_PROPENSITY);
    expect(t.uplift).toEqual(RENEWAL_UPLIFT);
  });

  it('keeps the never-buyers: a weight of 0 for about 30%, and none of them opens a deal', () => {
    const never = t.ids.filter((_, i) => t.winWeight[i] === 0);
    expect(never.length / t.ids.length).toBeGreaterThan(0.26);
    expect(never.length / t.ids.length).toBeLessThan(0.34);
    expect(never.filter((id) => opps.has(id))).toEqual([]);
  });

  it('plants the weight as the firmographic multiplier times lognormal(1, 0.6) noise', () => {
    const noise = t.winWeight.map((w, i) => w / t.firmographic[i]).filter((x) => x > 0).map(Math.log);
    expect(Math.abs(median(noise))).toBeLessThan(0.06);
    expect(standardDeviation(noise)).toBeGreaterThan(0.55);
    expect(standardDeviation(noise)).toBeLessThan(0.65);
    // Together they spread not much more than the weights did before firmographics (lognormal sigma 0.8); 0.95 measured.
    const spread = standardDeviation(t.winWeight.filter((w) => w > 0).map(Math.log));
    console.log(`log sd of the buyers' weights: ${spread.toFixed(3)}`);
    expect(spread).toBeGreaterThan(0.8);
    expect(spread).toBeLessThan(1.1);
    // What industry and region leave of the multiplier is (seats / segment median)^0.6, seats lognormal(1, 0.5) within a segment.
    const byId = new Map(d.accounts.map((a) => [a.account_id, a]));
    const seats = t.ids.map((id, i) => {
      const a = byId.get(id)!;
      const industry = a.industry === '' ? 1 : ACCOUNT_PROPENSITY.industry[a.industry];
      return Math.log(t.firmographic[i] / (industry * ACCOUNT_PROPENSITY.region[a.region]));
    });
    expect(Math.abs(median(seats))).toBeLessThan(0.05);
    expect(standardDeviation(seats)).toBeGreaterThan(0.25);
    expect(standardDeviation(seats)).toBeLessThan(0.35);
  });

  it('opens deals where the weight is: buyers\' deal counts follow it, and the top industries open several times as many as the bottom ones', () => {
    const buyers = t.ids.map((id, i) => ({ id, w: t.winWeight[i], n: opps.get(id) ?? 0 })).filter((b) => b.w > 0);
    const rho = spearman(buyers.map((b) => b.w), buyers.map((b) => b.n));
    console.log(`Spearman of planted weight with deals opened, buyers: ${rho.toFixed(3)}`);
    expect(rho).toBeGreaterThan(0.7);
    const perAccount = (industries: string[]) => {
      const group = d.accounts.filter((a) => industries.includes(a.industry));
      return group.reduce((s, a) => s + (opps.get(a.account_id) ?? 0), 0) / group.length;
    };
    const top = perAccount(['Software', 'Financial Services']);
    const bottom = perAccount(['Education', 'Public Sector']);
    console.log(`deals per account: Software and Financial Services ${top.toFixed(2)}, Education and Public Sector ${bottom.toFixed(2)}`);
    expect(top / bottom).toBeGreaterThan(2.5);
  });

  it('prices a renewal by the usage growth over the renewed term (USD contracts, usage.csv\'s active users)', () => {
    const users = new Map<string, number>();
    for (const u of d.usage) users.set(`${u.account_id}|${u.month}`, (users.get(`${u.account_id}|${u.month}`) ?? 0) + Number(u.active_users));
    const byId = new Map(d.contracts.map((c) => [c.contract_id, c]));
    const acv = (c: Drop['contracts'][number]) => Number(c.total_value) / (Number(c.term_months) / 12);
    const x: number[] = [];
    const y: number[] = [];
    for (const c of d.contracts) {
      const prev = c.previous_contract_id ? byId.get(c.previous_contract_id) : undefined;
      // USD only: a ratio of prices in another currency would carry the FX move between the two start dates.
      if (!prev || c.currency !== 'USD') continue;
      const from = users.get(`${c.account_id}|${prev.start_date.slice(0, 7)}`);
      const to = users.get(`${c.account_id}|${prev.end_date.slice(0, 7)}`);
      const months = monthsBetween(prev.start_date, prev.end_date);
      // At 20 users or more, rounding to whole users moves the log change little.
      if (!from || !to || from < 20 || to < 20) continue;
      x.push(Math.log(to / from) / months);
      y.push(Math.log(acv(c) / acv(prev)));
    }
    const fit = linearRegression(x.map((v, i) => [v, y[i]]));
    console.log(`renewals read: ${x.length}; log uplift on the term's monthly log change of active users: slope ${fit.m.toFixed(2)} (planted ${RENEWAL_UPLIFT.usageTrend}), intercept ${fit.b.toFixed(3)} (planted ${RENEWAL_UPLIFT.mean}), correlation ${sampleCorrelation(x, y).toFixed(3)}`);
    expect(x.length).toBeGreaterThan(100);
    expect(fit.m).toBeGreaterThan(0.6 * RENEWAL_UPLIFT.usageTrend);
    expect(fit.m).toBeLessThan(1.3 * RENEWAL_UPLIFT.usageTrend);
    expect(Math.abs(fit.b - RENEWAL_UPLIFT.mean)).toBeLessThan(0.03);
  });
});

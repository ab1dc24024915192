import { describe, expect, it } from 'vitest';
import { brierScore } from '../../models/evaluation';
import { createRng } from '../../models/random';
import { fitRenewalModel, type RenewalDecision } from '../../models/renewal';
import { rollingRenewalBacktest } from '../../models/renewal-backtest';
import { fitRenewalSpec, renewalSpecOf } from '../../models/renewal-spec';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Decisions on the 1st–28th of every month of 2024-01 … 2026-10, with a planted logistic truth over segment, discount and usage. */
function world(seed: number, perMonth: number, eta: (f: Omit<RenewalDecision, 'contract_id' | 'account_id' | 'decided_at' | 'renewed'>) => number) {
  const rng = createRng(seed);
  const out: RenewalDecision[] = [];
  for (let m = 0; m < 34; m++) {
    const month = `${2024 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
    for (let i = 0; i < perMonth; i++) {
      const f = {
        segment: `s${rng.int(0, 29)}`, region: rng.uniform() < 0.5 ? 'EMEA' : 'NA', renewalsSoFar: rng.int(0, 4), discountPct: rng.int(0, 30),
        acvUsd: 10_000 * Math.exp(rng.normal(0, 0.5)), termMonths: 12, usageTrend: Math.exp(rng.normal(0, 0.3)), tenureMonths: 12 * rng.int(1, 5),
      };
      out.push({ contract_id: `C${m}-${i}`, account_id: `A${m}-${i}`, decided_at: `${month}-${String(rng.int(1, 28)).padStart(2, '0')}`,
        renewed: rng.uniform() < sigmoid(eta(f)), ...f });
    }
  }
  return out.sort((a, b) => (a.decided_at < b.decided_at ? -1 : a.decided_at > b.decided_at ? 1 : 0));
}
const informative = world(5, 40, (f) => 0.8 - 0.05 * (f.discountPct ?? 0) + 1.5 * Math.log(f.usageTrend!));
/** The same world with the usage slope as features are built now (the log of the trend ratio over 3 months) and some discounts blank. */
const sloped: RenewalDecision[] = informative.map((d, i) => ({ ...d, usageSlope: Math.log(d.usageTrend!) / 3, discountPct: i % 13 === 0 ? null : d.discountPct }));
/** … and with the filtered usage trend as well (here the slope itself: what matters is which one a specification reads). */
const filtered: RenewalDecision[] = sloped.map((d) => ({ ...d, usageLatentTrend: d.usageSlope }));
/** … and with the users' trend beside it (here half the units' plus noise). */
const counted: RenewalDecision[] = filtered.map((d, i) => ({ ...d, usersLatentTrend: d.usageSlope! / 2 + 0.01 * Math.sin(i) }));

describe('the specification of a stored renewal model', () => {
  const cv = fitRenewalModel(informative);
  const given = fitRenewalModel(informative, { l2: 30, renewalsCap: 2 });
  const slope = fitRenewalModel(sloped);
  const latent = fitRenewalModel(filtered);
  const users = fitRenewalModel(counted);
  // A logistic model as the registry stored it before the penalty was stored (fixed at 1), before tenure, the usage slope and filled discounts.
  const { l2: _l2, penalty: _penalty, useTenure: _tenure, usageMeasure: _measure, useUsers: _users, blankDiscount: _blank, discountFill: _fill, ...legacy } =
    cv as Extract<typeof cv, { kind: 'logistic' }>;
  it.each([
    ['the baseline', { kind: 'baseline_rate', by: 'segment' }, { kind: 'empirical' }],
    ['an empirical fit', fitRenewalModel(informative.slice(0, 50)), { kind: 'empirical' }],
    ['a cross-validated logistic fit', cv,
      { kind: 'logistic', l2: 'cross-validated', renewalsCap: 3, usage: true, tenure: true, usageMeasure: 'trend-ratio', blankDiscount: 'mean-flagged', users: false }],
    ['a logistic fit with a given penalty', given,
      { kind: 'logistic', l2: 30, renewalsCap: 2, usage: true, tenure: true, usageMeasure: 'trend-ratio', blankDiscount: 'mean-flagged', users: false }],
    ['a logistic fit on decisions with the usage slope', slope,
      { kind: 'logistic', l2: 'cross-validated', renewalsCap: 3, usage: true, tenure: true, usageMeasure: 'log-slope', blankDiscount: 'mean-flagged', users: false }],
    ['a logistic fit on decisions with the filtered usage trend', latent,
      { kind: 'logistic', l2: 'cross-validated', renewalsCap: 3, usage: true, tenure: true, usageMeasure: 'latent-trend', blankDiscount: 'mean-flagged', users: false }],
    ['a logistic fit on decisions with the filtered usage and users trends', users,
      { kind: 'logistic', l2: 'cross-validated', renewalsCap: 3, usage: true, tenure: true, usageMeasure: 'latent-trend', blankDiscount: 'mean-flagged', users: true }],
    ['a logistic fit stored before penalties, tenure, the slope and filled discounts were', legacy,
      { kind: 'logistic', l2: 1, renewalsCap: 3, usage: true, tenure: false, usageMeasure: 'trend-ratio', blankDiscount: 'zero', users: false }],
  ])('of %s', (_name, params, spec) => {
    expect(renewalSpecOf(JSON.parse(JSON.stringify(params)))).toEqual(spec);
  });

  it('refitted on the decisions it was fitted on, gives back the stored model (every kind)', () => {
    for (const stored of [cv, given]) expect(fitRenewalSpec(renewalSpecOf(JSON.parse(JSON.stringify(stored))), informative)).toEqual(stored);
    expect(fitRenewalSpec(renewalSpecOf(JSON.parse(JSON.stringify(slope))), sloped)).toEqual(slope);
    expect((slope as { columns: string[] }).columns).toEqual(expect.arrayContaining(['usage_log_slope', 'discount_missing']));
    expect(fitRenewalSpec(renewalSpecOf(JSON.parse(JSON.stringify(latent))), filtered)).toEqual(latent);
    expect((latent as { columns: string[] }).columns).toContain('usage_latent_trend');
    expect(fitRenewalSpec(renewalSpecOf(JSON.parse(JSON.stringify(users))), counted)).toEqual(users);
    expect((users as { columns: string[] }).columns).toEqual(expect.arrayContaining(['usage_latent_trend', 'users_latent_trend']));
    // Fitted without users, refitted on decisions that carry them: still without.
    expect(fitRenewalSpec(renewalSpecOf(JSON.parse(JSON.stringify(latent))), counted)).toMatchObject({ useUsers: false, columns: (latent as { columns: string[] }).columns });
    // A model fitted on the slope, refitted on decisions that also carry the filtered trend, still reads the slope.
    const sloping = fitRenewalSpec(renewalSpecOf(JSON.parse(JSON.stringify(slope))), filtered);
    expect(sloping).toEqual(slope);
    expect(cv).toMatchObject({ kind: 'logistic', penalty: 'cross-validated' });
    expect(given).toMatchObject({ kind: 'logistic', penalty: 'given', l2: 30 });
    // The legacy specification keeps its penalty of 1 and leaves tenure out, though these decisions have it.
    const again = fitRenewalSpec(renewalSpecOf(legacy), informative);
    expect(again).toMatchObject({ kind: 'logistic', l2: 1, useTenure: false });
    expect((again as { columns: string[] }).columns).not.toContain('tenure_years');
    // … and, refitted on decisions that carry the slope and blank discounts, still reads the trend ratio and a blank as 0.
    const old = fitRenewalSpec(renewalSpecOf(legacy), sloped);
    expect((old as { columns: string[] }).columns).toContain('log_usage_trend');
    expect((old as { columns: string[] }).columns).not.toContain('usage_log_slope');
    expect((old as { columns: string[] }).columns).not.toContain('discount_missing');
  });

  it('of the baseline is the renewal rate by segment shrunk toward the overall rate (by hand, 5 pseudo-decisions)', () => {
    const few = informative.slice(0, 120);
    const model = fitRenewalSpec(renewalSpecOf({ kind: 'baseline_rate' }), few);
    const overall = (few.filter((d) => d.renewed).length + 1) / (few.length + 2);
    const s0 = few.filter((d) => d.segment === 's0');
    expect(model.kind).toBe('empirical');
    expect((model as { bySegment: Record<string, number> }).bySegment.s0)
      .toBeCloseTo((s0.filter((d) => d.renewed).length + 5 * overall) / (s0.length + 5), 12);
  });
});

describe('a champion judged on the decisions it learned from', () => {
  // Planted: outcomes that depend on nothing the model sees (P(renew) = 0.6 for everyone), 30 segments of ~12 decisions each.
  const noise = world(8, 12, () => Math.log(0.6 / 0.4));
  const o = { asOf: '2026-11-01', origins: 4, horizonMonths: 3 };
  const champion = JSON.parse(JSON.stringify(fitRenewalModel(noise, { minDecisions: Number.MAX_SAFE_INTEGER })));
  const asStored = rollingRenewalBacktest(noise, o, () => champion);
  const refit = rollingRenewalBacktest(noise, o, (train) => fitRenewalSpec(renewalSpecOf(champion), train));
  const challenger = rollingRenewalBacktest(noise, o, (train) => fitRenewalSpec(renewalSpecOf(fitRenewalModel(noise, { minDecisions: Number.MAX_SAFE_INTEGER })), train));
  // The reference: the planted truth's own Brier score on the same scored decisions.
  const scored = noise.filter((d) => d.decided_at >= '2025-11-01');
  const truth = brierScore(scored.map(() => 0.6), scored.map((d) => d.renewed));

  it('as stored it beats even the truth (it has seen the answers); refitted at each origin it does not', () => {
    expect(asStored.tested).toBe(scored.length);
    expect(asStored.brier!).toBeLessThan(truth);
    expect(refit.brier!).toBeGreaterThan(truth);
  });

  it('refitted, it scores exactly as a challenger of the same specification', () => {
    expect(refit.brier).toBe(challenger.brier);
    expect(refit.auc).toBe(challenger.auc);
    expect(refit.origins).toEqual(challenger.origins);
  });

  it('each origin learned only from decisions before the first it scored', () => {
    for (const x of refit.origins) {
      expect(x.trainedThrough! < x.firstScored!).toBe(true);
      expect(x.trainedThrough).toBe(noise.filter((d) => d.decided_at < x.origin).at(-1)!.decided_at);
      expect(x.firstScored).toBe(noise.find((d) => d.decided_at >= x.origin)!.decided_at);
    }
  });
});

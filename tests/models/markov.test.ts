import { describe, expect, it } from 'vitest';
import { markovAttribution } from '../../models/markov';
import type { AttributionPath } from '../../models/paths';
import { createRng } from '../../models/random';

const path = (channels: string, conversions: number, nulls: number, value = 0): AttributionPath => ({
  channels: channels.split(' > '),
  conversions,
  value,
  nulls,
});

/**
 * A first-order chain with a cycle (a -> b -> a) and two converting states.
 * Transition counts (journeys = conversions + nulls of each path):
 *   start -> a: 3 + 1 + 1 = 5, start -> b: 2
 *   a -> b: 3 + 1 = 4, a -> conv: 1, a -> null: 1          (row total 6)
 *   b -> conv: 2 + 1 = 3, b -> null: 1 + 1 = 2, b -> a: 1  (row total 6)
 * h = P(conv | state): h_a = 1/6 + 2/3 h_b, h_b = 1/2 + 1/6 h_a -> h_a = 9/16, h_b = 19/32
 * P(conv) = 5/7 * 9/16 + 2/7 * 19/32 = 4/7
 * without a: 2/7 * 1/2 = 1/7 -> RE_a = 3/4; without b: 5/7 * 1/6 = 5/42 -> RE_b = 19/24
 * Value per conversion: ending in a 30/1, ending in b (20 + 4)/3 = 8; rewards r_a = 30/6 = 5, r_b = 8/2 = 4
 * g_a = 5 + 2/3 g_b, g_b = 4 + 1/6 g_a -> g_a = 69/8, g_b = 87/16; E[value] = 5/7 g_a + 2/7 g_b = 54/7
 * without a: 2/7 * 4 = 8/7 -> REv_a = 23/27; without b: 5/7 * 5 = 25/7 -> REv_b = 29/54
 */
const CYCLE: AttributionPath[] = [path('a > b', 2, 1, 20), path('a', 0, 1), path('b', 1, 1, 4), path('a > b > a', 1, 0, 30)];
const TOL = 1e-12; // closed-form fractions vs a 2x2 elimination: a few ulps

describe('markovAttribution on a hand-solved first-order chain (tolerance 1e-12)', () => {
  for (const solver of ['dense', 'iterative'] as const) {
    it(`${solver} solver: P(conv), removal effects and credit equal the closed form`, () => {
      const r = markovAttribution(CYCLE, { solver });
      expect(r.conversionProbability).toBeCloseTo(4 / 7, 12);
      expect(Math.abs(r.valuePerJourney - 54 / 7)).toBeLessThan(TOL * 10);
      expect(Math.abs(r.removalEffects.a - 3 / 4)).toBeLessThan(TOL);
      expect(Math.abs(r.removalEffects.b - 19 / 24)).toBeLessThan(TOL);
      expect(Math.abs(r.removalEffectsValue.a - 23 / 27)).toBeLessThan(TOL);
      expect(Math.abs(r.removalEffectsValue.b - 29 / 54)).toBeLessThan(TOL);
      // credit = 4 conversions * RE / (3/4 + 19/24); value 54 * REv / (23/27 + 29/54)
      expect(Math.abs(r.credit.a.conversions - 72 / 37)).toBeLessThan(TOL);
      expect(Math.abs(r.credit.b.conversions - 76 / 37)).toBeLessThan(TOL);
      expect(Math.abs(r.credit.a.value - (54 * 46) / 75)).toBeLessThan(TOL * 100);
      expect(Math.abs(r.credit.b.value - (54 * 29) / 75)).toBeLessThan(TOL * 100);
    });
  }

  it('reports the fitted transition probabilities', () => {
    const t = Object.fromEntries(markovAttribution(CYCLE).transitions.map((x) => [`${x.from}|${x.to}`, x.probability]));
    expect(t).toEqual({
      '(start)|a': 5 / 7,
      '(start)|b': 2 / 7,
      'a|b': 4 / 6,
      'a|(conversion)': 1 / 6,
      'a|(null)': 1 / 6,
      'b|a': 1 / 6,
      'b|(conversion)': 3 / 6,
      'b|(null)': 2 / 6,
    });
  });

  it('collapses repeated consecutive channels as ChannelAttribution does: a > a > b is a > b', () => {
    const r1 = markovAttribution([path('a > a > b', 1, 2), path('b > b', 1, 0)]);
    const r2 = markovAttribution([path('a > b', 1, 2), path('b', 1, 0)]);
    expect(r1.removalEffects).toEqual(r2.removalEffects);
    expect(r1.transitions).toEqual(r2.transitions);
  });
});

describe('markovAttribution against a Monte Carlo simulation of the same chain', () => {
  it('removal effects agree within 4.5 standard errors of 200k simulated journeys', () => {
    // Simulate the hand chain above (probabilities written out, not read from the model).
    const next: Record<string, [string, number][]> = {
      start: [['a', 5 / 7], ['b', 2 / 7]],
      a: [['b', 4 / 6], ['conv', 1 / 6], ['null', 1 / 6]],
      b: [['a', 1 / 6], ['conv', 3 / 6], ['null', 2 / 6]],
    };
    const valueAt: Record<string, number> = { a: 30, b: 8 };
    const rng = createRng(2024);
    const N = 200_000;
    let conv = 0;
    let value = 0;
    const convWith = { a: 0, b: 0 };
    const valueWith = { a: 0, b: 0 };
    const samples: { v: number; a: boolean; b: boolean }[] = [];
    for (let i = 0; i < N; i++) {
      let s = 'start';
      let last = '';
      const seen = { a: false, b: false };
      for (;;) {
        let u = rng.uniform();
        let to = next[s][next[s].length - 1][0];
        for (const [cand, p] of next[s]) {
          if (u < p) {
            to = cand;
            break;
          }
          u -= p;
        }
        if (to === 'conv' || to === 'null') {
          if (to === 'conv') {
            const v = valueAt[last];
            conv++;
            value += v;
            for (const c of ['a', 'b'] as const) if (seen[c]) (convWith[c]++, (valueWith[c] += v));
            samples.push({ v, a: seen.a, b: seen.b });
          }
          break;
        }
        s = last = to;
        seen[to as 'a' | 'b'] = true;
      }
    }
    const r = markovAttribution(CYCLE);
    expect(Math.abs(conv / N - r.conversionProbability)).toBeLessThan(4.5 * Math.sqrt((r.conversionProbability * (1 - r.conversionProbability)) / N));
    for (const c of ['a', 'b'] as const) {
      // RE_c = P(journey visits c | conversion): a proportion among `conv` conversions.
      const re = convWith[c] / conv;
      expect(Math.abs(re - r.removalEffects[c])).toBeLessThan(4.5 * Math.sqrt((re * (1 - re)) / conv));
      // Value RE is a ratio estimator sum(v * 1[c]) / sum(v); its SE by the delta method.
      const reV = valueWith[c] / value;
      const meanV = value / conv;
      const varTerm = samples.reduce((s, x) => s + (x.v * ((x[c] ? 1 : 0) - reV)) ** 2, 0) / conv;
      expect(Math.abs(reV - r.removalEffectsValue[c])).toBeLessThan((4.5 * Math.sqrt(varTerm / conv)) / meanV);
    }
  });
});

describe('markovAttribution of order 2 on a hand case (tolerance 1e-12)', () => {
  // Order-2 states: a>b>c -> (a,b),(b,c); b>c -> (b,c); a>b -> (a,b)
  // start -> (a,b) 2, -> (b,c) 1; (a,b) -> (b,c) 1, -> null 1; (b,c) -> conv 1, -> null 1
  // P(conv) = 2/3 * 1/2 * 1/2 + 1/3 * 1/2 = 1/3; without a (drops (a,b)): 1/3 * 1/2 = 1/6 -> RE_a = 1/2
  // without b or c: 0 -> RE = 1. Order 1 differs: RE_a = 1 - (1/3 * 1/3)/(1/3) = 2/3.
  const paths = [path('a > b > c', 1, 0), path('b > c', 0, 1), path('a > b', 0, 1)];
  it('states are sliding 2-tuples; removal drops every state containing the channel', () => {
    const r = markovAttribution(paths, { order: 2 });
    expect(r.states).toEqual([['a', 'b'], ['b', 'c']]);
    expect(r.conversionProbability).toBeCloseTo(1 / 3, 12);
    expect(Math.abs(r.removalEffects.a - 1 / 2)).toBeLessThan(TOL);
    expect(Math.abs(r.removalEffects.b - 1)).toBeLessThan(TOL);
    expect(Math.abs(r.removalEffects.c - 1)).toBeLessThan(TOL);
    expect(Math.abs(r.credit.a.conversions - 1 * (1 / 2) / 2.5)).toBeLessThan(TOL);
    const r1 = markovAttribution(paths, { order: 1 });
    expect(Math.abs(r1.removalEffects.a - 2 / 3)).toBeLessThan(TOL);
  });
  it('a path shorter than k is one state; repeated windows collapse (a a a b -> (a,a),(a,b))', () => {
    const r = markovAttribution([path('a', 1, 0), path('a > a > a > b', 1, 1)], { order: 2 });
    expect(r.states).toEqual([['a'], ['a', 'a'], ['a', 'b']]);
    const t = Object.fromEntries(r.transitions.map((x) => [`${x.from}|${x.to}`, x.probability]));
    expect(t['a > a|a > b']).toBe(1);
    expect(t['(start)|a > a']).toBe(2 / 3);
  });
  it('rejects an order below 1', () => {
    expect(() => markovAttribution(paths, { order: 0 })).toThrow(/order/);
  });
});

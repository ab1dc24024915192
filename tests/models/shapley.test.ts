import { describe, expect, it } from 'vitest';
import type { AttributionPath } from '../../models/paths';
import { createRng } from '../../models/random';
import { MAX_EXACT_SHAPLEY_CHANNELS, shapleyAttribution, simplifiedShapleyAttribution } from '../../models/shapley';

/** Random paths over n channels, with repeats, nulls and values. */
function randomPaths(n: number, count: number, seed: number): AttributionPath[] {
  const rng = createRng(seed);
  const names = Array.from({ length: n }, (_, i) => `ch${i}`);
  return Array.from({ length: count }, () => ({
    channels: Array.from({ length: rng.int(1, 5) }, () => names[rng.int(0, n - 1)]),
    conversions: rng.int(0, 5),
    value: Math.round(rng.uniform() * 1000) / 10,
    nulls: rng.int(0, 3),
  }));
}

/** Coalition value straight from the definition: paths whose channel set is inside S. */
function coalitionValue(paths: readonly AttributionPath[], s: ReadonlySet<string>, field: 'conversions' | 'value'): number {
  return paths.filter((p) => p.channels.every((c) => s.has(c))).reduce((acc, p) => acc + p[field], 0);
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** Shapley by its permutation definition: average marginal contribution over all n! orders. */
function bruteForceShapley(paths: readonly AttributionPath[], field: 'conversions' | 'value'): Record<string, number> {
  const channels = [...new Set(paths.flatMap((p) => p.channels))];
  const phi: Record<string, number> = Object.fromEntries(channels.map((c) => [c, 0]));
  const perms = permutations(channels);
  for (const order of perms) {
    const s = new Set<string>();
    for (const c of order) {
      const before = coalitionValue(paths, s, field);
      s.add(c);
      phi[c] += (coalitionValue(paths, s, field) - before) / perms.length;
    }
  }
  return phi;
}

describe('exact Shapley against brute force over all permutations (relative 1e-12)', () => {
  it.each([2, 3, 4, 5, 6].map((n) => ({ n })))('$n channels', ({ n }) => {
    const paths = randomPaths(n, 40, 100 + n);
    const got = shapleyAttribution(paths);
    for (const field of ['conversions', 'value'] as const) {
      const want = bruteForceShapley(paths, field);
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      for (const [c, v] of Object.entries(want)) expect(Math.abs(got[c][field] - v)).toBeLessThan(1e-12 * Math.max(1, Math.abs(v)));
    }
  });

  it('credit sums to the conversions and value of all paths (efficiency)', () => {
    const paths = randomPaths(10, 500, 7);
    const got = Object.values(shapleyAttribution(paths));
    const conv = paths.reduce((s, p) => s + p.conversions, 0);
    const value = paths.reduce((s, p) => s + p.value, 0);
    expect(Math.abs(got.reduce((s, c) => s + c.conversions, 0) - conv)).toBeLessThan(1e-9 * conv);
    expect(Math.abs(got.reduce((s, c) => s + c.value, 0) - value)).toBeLessThan(1e-9 * value);
  });
});

describe("Zhao et al.'s simplified Shapley", () => {
  it.each([3, 6, 12, 15].map((n) => ({ n })))('equals exact Shapley on $n channels (relative 1e-9)', ({ n }) => {
    const paths = randomPaths(n, 300, 200 + n);
    const exact = shapleyAttribution(paths);
    const simple = simplifiedShapleyAttribution(paths);
    for (const [c, v] of Object.entries(exact)) {
      expect(Math.abs(simple[c].conversions - v.conversions)).toBeLessThan(1e-9 * Math.max(1, v.conversions));
      expect(Math.abs(simple[c].value - v.value)).toBeLessThan(1e-9 * Math.max(1, v.value));
    }
  });

  it('splits a path over its distinct channels: a > b > a converting 2 gives 1 and 1 (exact)', () => {
    expect(simplifiedShapleyAttribution([{ channels: ['a', 'b', 'a'], conversions: 2, value: 40, nulls: 0 }])).toEqual({
      a: { conversions: 1, value: 20 },
      b: { conversions: 1, value: 20 },
    });
  });

  it('runs on more channels than exact Shapley allows', () => {
    const paths = randomPaths(40, 200, 3);
    const total = Object.values(simplifiedShapleyAttribution(paths)).reduce((s, c) => s + c.conversions, 0);
    expect(Math.abs(total - paths.reduce((s, p) => s + p.conversions, 0))).toBeLessThan(1e-9);
  });
});

it(`exact Shapley refuses ${MAX_EXACT_SHAPLEY_CHANNELS + 1} channels with a clear error`, () => {
  const paths = Array.from({ length: 16 }, (_, i) => ({ channels: [`c${i}`], conversions: 1, value: 1, nulls: 0 }));
  expect(() => shapleyAttribution(paths)).toThrow(/at most 15 channels; these paths have 16/);
  expect(() => shapleyAttribution(paths.slice(0, 15))).not.toThrow();
});

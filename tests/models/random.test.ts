import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, runSeed, seedFromString } from '../../models/random';

describe('seeds', () => {
  it('seedFromString is the first 4 bytes of SHA-256, big-endian signed (FIPS 180-2 vector "abc" = ba7816bf…)', () => {
    expect(seedFromString('abc')).toBe(0xba7816bf | 0);
    expect(runSeed('2024-06', 'abc')).toBe(seedFromString('2024-06:abc'));
  });
  it('derived seeds differ by key and are stable', () => {
    expect(deriveSeed(1, 'C1')).toBe(deriveSeed(1, 'C1'));
    expect(deriveSeed(1, 'C1')).not.toBe(deriveSeed(1, 'C2'));
    expect(deriveSeed(1, 'C1')).not.toBe(deriveSeed(2, 'C1'));
  });
});

describe('createRng', () => {
  const n = 200_000;
  it('is reproducible by seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    for (let i = 0; i < 100; i++) expect(a.uniform()).toBe(b.uniform());
  });
  it('uniform: in [0, 1), mean 1/2 and variance 1/12 within 4 standard errors', () => {
    const r = createRng(1);
    let s = 0;
    let s2 = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      s += u;
      s2 += u * u;
    }
    expect(outside).toBe(0);
    const mean = s / n;
    const v = s2 / n - mean * mean;
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(v - 1 / 12)).toBeLessThan(4 * Math.sqrt(1 / 180 / n)); // Var((U − ½)²) = 1/80 − 1/144 = 1/180
  });
  it('normal(mean, sd): sample mean and sd within 4 standard errors; P(|Z| < 1.96) ≈ 0.95', () => {
    const r = createRng(2);
    let s = 0;
    let s2 = 0;
    let inside = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal(10, 2);
      s += x;
      s2 += x * x;
      if (Math.abs(x - 10) < 2 * 1.959963984540054) inside++;
    }
    const mean = s / n;
    const sd = Math.sqrt(s2 / n - mean * mean);
    expect(Math.abs(mean - 10)).toBeLessThan(4 * (2 / Math.sqrt(n)));
    expect(Math.abs(sd - 2)).toBeLessThan(4 * (2 / Math.sqrt(2 * n)));
    expect(Math.abs(inside / n - 0.95)).toBeLessThan(4 * Math.sqrt((0.95 * 0.05) / n));
  });
  it('int(lo, hi) covers both ends uniformly (chi-square-free check: each of 6 faces within 4 SE of 1/6)', () => {
    const r = createRng(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(1, 6) - 1]++;
    for (const c of counts) expect(Math.abs(c / 60_000 - 1 / 6)).toBeLessThan(4 * Math.sqrt((1 / 6) * (5 / 6) / 60_000));
  });
});

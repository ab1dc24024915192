/**
 * Seeded randomness for the models (pure-rand underneath).
 *
 * Models never call `Math.random()`: a run's seed is derived from what the
 * run is about (its month and the content hash of its drop) so that a re-run
 * of the same drop reproduces every simulated number exactly.
 */
import { createHash } from 'node:crypto';
import { xoroshiro128plus } from 'pure-rand';
import type { RandomGenerator } from 'pure-rand';

/**
 * A 32-bit signed integer seed from any text: the first four bytes of its
 * SHA-256, big-endian.
 *
 * @example
 * seedFromString('2024-06:ab12cd') === seedFromString('2024-06:ab12cd'); // true
 */
export function seedFromString(text: string): number {
  return createHash('sha256').update(text, 'utf8').digest().readInt32BE(0);
}

/**
 * The seed of one monthly run: `seedFromString(`${month}:${dropHash}`)`.
 *
 * @example
 * const seed = runSeed('2024-06', 'e3b0c44298fc1c14');
 */
export function runSeed(month: string, dropHash: string): number {
  return seedFromString(`${month}:${dropHash}`);
}

/**
 * A seed for one keyed sub-stream (e.g. one contract) of a run, so that a
 * contract's draws do not depend on which other contracts are in the batch
 * or on their order. FNV-1a of the key, mixed with the parent seed.
 *
 * @example
 * deriveSeed(42, 'C-1001') !== deriveSeed(42, 'C-1002'); // true
 */
export function deriveSeed(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ (seed | 0);
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche so nearby keys give unrelated seeds.
  return fmix32(h);
}

/**
 * The murmur3 32-bit finaliser: spreads every input bit over the output, so
 * neighbouring seeds give unrelated streams.
 *
 * @example
 * fmix32(1) !== fmix32(2) - 1; // true: no visible structure
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/**
 * The raw pure-rand generator behind `createRng` (xoroshiro128+), for hot
 * loops that want `unsafeNext()` (a signed 32-bit int) without a wrapper call.
 *
 * @example
 * const gen = createGenerator(7);
 * const u = (gen.unsafeNext() >>> 0) / 4294967296; // uniform on [0, 1)
 */
export function createGenerator(seed: number): RandomGenerator {
  return xoroshiro128plus(seed | 0);
}

/** A stateful stream of draws over one pure-rand generator. */
export interface Rng {
  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number;
  /** Uniform on [0, 1) with 32 random bits: half the cost, for hot loops that compare against probabilities. */
  uniform32(): number;
  /** Normal(mean, sd) by Box–Muller (the second variate of each pair is kept). */
  normal(mean?: number, sd?: number): number;
  /** Uniform integer on [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
}

const TWO_POW_53 = 9007199254740992;

/**
 * A seeded random stream (xoroshiro128+). The same seed gives the same draws.
 *
 * @example
 * const rng = createRng(7);
 * const u = rng.uniform(); // in [0, 1)
 * const z = rng.normal();  // standard normal
 */
export function createRng(seed: number): Rng {
  const gen = createGenerator(seed);
  let spare: number | null = null;
  const uniform = (): number => {
    const hi = gen.unsafeNext() >>> 6; // 26 bits
    const lo = gen.unsafeNext() >>> 5; // 27 bits
    return (hi * 134217728 + lo) / TWO_POW_53;
  };
  return {
    uniform,
    uniform32: (): number => (gen.unsafeNext() >>> 0) / 4294967296,
    normal(mean = 0, sd = 1): number {
      if (spare !== null) {
        const z = spare;
        spare = null;
        return mean + sd * z;
      }
      let u1 = uniform();
      while (u1 === 0) u1 = uniform();
      const u2 = uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      spare = r * Math.sin(2 * Math.PI * u2);
      return mean + sd * r * Math.cos(2 * Math.PI * u2);
    },
    int(lo: number, hi: number): number {
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
        throw new RangeError(`int(${lo}, ${hi}): need integers with lo <= hi`);
      }
      return lo + Math.floor(uniform() * (hi - lo + 1));
    },
  };
}

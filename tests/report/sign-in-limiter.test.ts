import { describe, expect, it } from 'vitest';
import { SignInLimiter } from '../../report/sign-in-limiter';

/** The sliding window on a clock the test moves: who waits, how long, and when the wait ends. */
describe('SignInLimiter', () => {
  it('lets max failures through, then makes the address wait until its oldest failure leaves the window', () => {
    let now = 1_000_000;
    const limiter = new SignInLimiter(3, 60_000, () => now);
    for (const [advance, expectedWait] of [[0, 0], [10_000, 0], [10_000, 0]] as const) {
      now += advance;
      expect(limiter.waitSeconds('a')).toBe(expectedWait);
      limiter.failed('a');
    }
    // Failures at t0, t0+10s, t0+20s: the first leaves the window at t0+60s, 40 s from now.
    expect(limiter.waitSeconds('a')).toBe(40);
    expect(limiter.waitSeconds('b')).toBe(0);
    now += 39_000;
    expect(limiter.waitSeconds('a')).toBe(1);
    now += 1_000;
    expect(limiter.waitSeconds('a')).toBe(0);
    expect(limiter.failed('a')).toBe(3);
  });

  it('forgets an address\'s failures when it signs in', () => {
    const limiter = new SignInLimiter(2, 60_000, () => 0);
    limiter.failed('a');
    limiter.failed('a');
    expect(limiter.waitSeconds('a')).toBeGreaterThan(0);
    limiter.succeeded('a');
    expect(limiter.waitSeconds('a')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN, durationToMs, parseDuration } from '../../lib/duration';

/**
 * One grammar for the command line, the config file and the workflow: the
 * union of what the command line (bare number = seconds, spaces around) and
 * the config file (a unit) each accepted before.
 */
describe('durations', () => {
  it.each([
    ['7d', 7 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['1.5h', 5_400_000],
    ['30m', 1_800_000],
    ['90s', 90_000],
    ['500ms', 500],
    ['7 d', 7 * 86_400_000],
    ['90', 90_000],
    [' 2.5 ', 2_500],
    ['0s', 0],
    ['0.0004ms', 0],
  ])('%j is %i ms', (text, ms) => {
    expect(durationToMs(text)).toBe(ms);
    expect(DURATION_PATTERN.test(text)).toBe(true);
  });

  it.each(['a week', '7w', '-1d', '1e3s', '.5h', '7d7h', ''])('%j is not a duration', (text) => {
    expect(durationToMs(text)).toBeUndefined();
    expect(DURATION_PATTERN.test(text)).toBe(false);
  });

  it('names the option or key when it refuses', () => {
    expect(parseDuration('7d', '--approval-timeout')).toBe(604_800_000);
    expect(() => parseDuration('a week', '--approval-timeout')).toThrow('--approval-timeout takes a duration like 7d, 12h, 30m, 90s or 500ms, not "a week"');
    expect(() => parseDuration('0h', 'approvals.timeout')).toThrow('approvals.timeout must be positive');
  });
});

/**
 * Durations as people write them: a number and a unit, `ms`, `s`, `m`, `h`
 * or `d` (`7d`, `12h`, `1.5h`, `30m`, `90s`, `500ms`), or a bare number,
 * read as seconds. One grammar for the command line (`--approval-timeout`),
 * the config file (approvals.timeout, approvals.remindBefore,
 * serve.signInFailures.window, schedule.catchupWindow) and the monthly
 * workflow, which reads the config's approval durations itself: pure, no
 * Node imports, because workflow code is bundled from it.
 *
 * It is the union of the two grammars there were: the command line's took a
 * bare number as seconds and spaces around the text, the config file's
 * needed a unit. So nothing either accepted is refused, and a config file may
 * now also write a bare number of seconds, as the command line always could.
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * The grammar as one pattern, for schemas: digits with optional decimals,
 * optional spaces, an optional unit; spaces around the whole are allowed.
 */
export const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/;

/**
 * Milliseconds of a duration, rounded to a whole millisecond (so it may be
 * 0); `undefined` when the text is not a duration.
 *
 * @example
 * durationToMs('1.5h'); // 5400000
 * durationToMs('90'); // 90000 (a bare number is seconds)
 * durationToMs('a week'); // undefined
 */
export function durationToMs(text: string): number | undefined {
  const m = DURATION_PATTERN.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? 's') as keyof typeof UNIT_MS]);
}

/**
 * Milliseconds of a duration that must be longer than 0; throws an Error
 * naming `what` (the option or config key) otherwise.
 *
 * @example
 * parseDuration('7d', '--approval-timeout'); // 604800000
 * parseDuration('0s', '--approval-timeout'); // throws '--approval-timeout must be positive'
 */
export function parseDuration(text: string, what: string): number {
  const ms = durationToMs(text);
  if (ms === undefined) throw new Error(`${what} takes a duration like 7d, 12h, 30m, 90s or 500ms, not "${text}"`);
  if (ms <= 0) throw new Error(`${what} must be positive`);
  return ms;
}

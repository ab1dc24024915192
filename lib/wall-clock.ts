/**
 * Wall-clock times of a time zone: the local time an instant shows, the
 * instant a local time names, and the month a scheduled time is for. Pure:
 * Intl only, no Node imports, no clock (the `scheduledCycle` workflow bundles it).
 */
import { monthFromIndex } from './dates';

interface LocalTime { year: number; month: number; day: number; hour: number; minute: number; second: number }

/** The wall-clock time of an instant in a time zone. */
function localTime(at: Date, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/**
 * The month a scheduled run is for: the month before the scheduled time's
 * month, read on the schedule's wall clock (a run at 2026-09-01 02:00 in
 * Tokyo is 2026-08-31 17:00 UTC, and is for 2026-08 either way).
 * @example monthOfScheduledTime(new Date('2026-09-01T02:00:00Z'), 'UTC') // '2026-08'
 */
export function monthOfScheduledTime(at: Date, timeZone: string): string {
  const t = localTime(at, timeZone);
  return monthFromIndex(t.year * 12 + (t.month - 1) - 1);
}

/**
 * The instant a wall-clock time of a time zone names. A time repeated when
 * clocks go back is its first occurrence; a time skipped when they go forward
 * moves forward by the gap (02:30 on a 02:00 -> 03:00 night is 03:30).
 */
export function zonedTimeToUtc(t: Omit<LocalTime, 'second'> & { second?: number }, timeZone: string): Date {
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second ?? 0);
  const wallOf = (instant: number) => {
    const l = localTime(new Date(instant), timeZone);
    return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  };
  const offsetAt = (instant: number) => wallOf(instant) - Math.floor(instant / 1000) * 1000;
  // The offsets a day before and a day after (a zone changes offset at most once in between):
  // each gives a candidate instant; the earliest one that shows the wall time is the answer.
  const day = 86_400_000;
  const before = wall - offsetAt(wall - day);
  const after = wall - offsetAt(wall + day);
  const valid = [before, after].filter((c) => wallOf(c) === wall);
  // No candidate shows it: the wall time is skipped, and the offset before the jump moves it past the gap.
  return new Date(valid.length ? Math.min(...valid) : before);
}

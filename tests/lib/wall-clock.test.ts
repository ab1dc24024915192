import { describe, expect, it } from 'vitest';
import { monthOfScheduledTime, zonedTimeToUtc } from '../../lib/wall-clock';

describe('monthOfScheduledTime', () => {
  it.each([
    ['2026-09-01T02:00:00Z', 'UTC', '2026-08'],
    ['2027-01-01T02:00:00Z', 'UTC', '2026-12'], // across the year
    ['2026-08-31T23:59:59Z', 'UTC', '2026-07'],
    // 2026-09-01 02:00 UTC is 2026-08-31 19:00 in Los Angeles (UTC-7 in summer): still August there.
    ['2026-09-01T02:00:00Z', 'America/Los_Angeles', '2026-07'],
    // 2026-08-31 20:00 UTC is 2026-09-01 05:00 in Tokyo (UTC+9).
    ['2026-08-31T20:00:00Z', 'Asia/Tokyo', '2026-08'],
    // 2026-12-31 23:30 UTC is 2027-01-01 00:30 in Berlin (UTC+1 in winter).
    ['2026-12-31T23:30:00Z', 'Europe/Berlin', '2026-12'],
  ])('%s in %s is for %s', (at, zone, month) => {
    expect(monthOfScheduledTime(new Date(at), zone)).toBe(month);
  });
});

describe('zonedTimeToUtc', () => {
  it.each([
    [{ year: 2026, month: 9, day: 1, hour: 2, minute: 0 }, 'America/New_York', '2026-09-01T06:00:00.000Z'], // EDT, UTC-4
    [{ year: 2026, month: 12, day: 1, hour: 2, minute: 0 }, 'America/New_York', '2026-12-01T07:00:00.000Z'], // EST, UTC-5
    [{ year: 2026, month: 9, day: 1, hour: 2, minute: 0 }, 'Asia/Kolkata', '2026-08-31T20:30:00.000Z'], // UTC+5:30
    [{ year: 2026, month: 9, day: 1, hour: 2, minute: 0 }, 'UTC', '2026-09-01T02:00:00.000Z'],
    // New York skips 02:00-03:00 on 2026-03-08: 02:30 moves past the gap to 03:30 EDT.
    [{ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York', '2026-03-08T07:30:00.000Z'],
    // New York repeats 01:00-02:00 on 2026-11-01: the first 01:30 is EDT.
    [{ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York', '2026-11-01T05:30:00.000Z'],
    // Berlin repeats 02:00-03:00 on 2026-10-25: the first 02:30 is CEST (UTC+2).
    [{ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Berlin', '2026-10-25T00:30:00.000Z'],
  ])('%o in %s is %s', (t, zone, iso) => {
    expect(zonedTimeToUtc(t, zone).toISOString()).toBe(iso);
  });
});

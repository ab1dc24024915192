import { describe, expect, it } from 'vitest';
import type { CalendarSpec } from '@temporalio/client';
import {
  LAST_BUSINESS_DAY_YEARS, backfillWindow, lastBusinessDay, lastBusinessDayCalendars, monthsFromTo, runTimeFor, scheduleSpecFor,
} from '../../temporal/schedule-spec';
import { daysInMonth } from '../../lib/dates';
import { DEFAULT_CONFIG } from '../../config/schema';

const schedule = (over: Partial<typeof DEFAULT_CONFIG.schedule> = {}) => ({ ...DEFAULT_CONFIG.schedule, ...over });

describe('lastBusinessDay', () => {
  // Weekdays of month ends read off a printed calendar.
  it.each([
    ['2026-05', '2026-05-29'], // 31st is a Sunday
    ['2026-01', '2026-01-30'], // 31st is a Saturday
    ['2026-02', '2026-02-27'], // 28th is a Saturday
    ['2026-08', '2026-08-31'], // 31st is a Monday
    ['2026-11', '2026-11-30'], // 30th is a Monday
    ['2026-12', '2026-12-31'], // 31st is a Thursday
    ['2027-01', '2027-01-29'], // 31st is a Sunday
    ['2027-02', '2027-02-26'], // 28th is a Sunday
    ['2028-02', '2028-02-29'], // leap year, 29th is a Tuesday
    ['2029-02', '2029-02-28'], // 28th is a Wednesday
    ['2100-02', '2100-02-26'], // 2100 is not a leap year; the 28th is a Sunday
  ])('of %s is %s', (month, day) => {
    expect(lastBusinessDay(month)).toBe(day);
  });
});

/** Does a calendar match a wall-clock date at `hour:minute`? (Temporal's rule: every field matches.) */
function matches(c: CalendarSpec, date: Date, hour: number, minute: number): boolean {
  const months = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'];
  const days = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
  const inField = (field: unknown, value: number, names?: string[], dflt: number | '*' = '*'): boolean => {
    const f = field ?? dflt;
    if (f === '*') return true;
    const idx = (v: unknown) => (typeof v === 'string' ? names!.indexOf(v) : (v as number));
    return (Array.isArray(f) ? f : [f]).some((r: any) => {
      if (typeof r !== 'object') return idx(r) === value;
      const start = idx(r.start);
      const end = r.end === undefined ? start : idx(r.end);
      const step = r.step ?? 1;
      return value >= start && value <= end && (value - start) % step === 0;
    });
  };
  return inField(c.hour, hour, undefined, 0) && inField(c.minute, minute, undefined, 0)
    && inField(c.dayOfMonth, date.getUTCDate()) && inField(c.month, date.getUTCMonth(), months)
    && inField(c.year, date.getUTCFullYear()) && inField(c.dayOfWeek, date.getUTCDay(), days);
}

describe('last-business-day calendars', () => {
  it(`match exactly one day a month, the last business day, in every month of ${LAST_BUSINESS_DAY_YEARS.first}-${LAST_BUSINESS_DAY_YEARS.last}`, () => {
    const calendars = lastBusinessDayCalendars(2, 0);
    let months = 0;
    for (let y = LAST_BUSINESS_DAY_YEARS.first; y <= LAST_BUSINESS_DAY_YEARS.last; y++) {
      for (let m = 1; m <= 12; m++) {
        const hits: string[] = [];
        for (let d = 1; d <= daysInMonth(y, m); d++) {
          const date = new Date(Date.UTC(y, m - 1, d));
          if (calendars.some((c) => matches(c, date, 2, 0))) hits.push(date.toISOString().slice(0, 10));
        }
        const month = `${y}-${String(m).padStart(2, '0')}`;
        expect(hits, month).toEqual([lastBusinessDay(month)]);
        months++;
      }
    }
    expect(months).toBe((LAST_BUSINESS_DAY_YEARS.last - LAST_BUSINESS_DAY_YEARS.first + 1) * 12);
  });

  it('fire only at the configured hour and minute', () => {
    const calendars = lastBusinessDayCalendars(17, 45);
    const day = new Date(Date.UTC(2026, 4, 29));
    expect(calendars.some((c) => matches(c, day, 17, 45))).toBe(true);
    expect(calendars.some((c) => matches(c, day, 2, 0))).toBe(false);
  });
});

describe('scheduleSpecFor', () => {
  it('is day 1 at 02:00 UTC by default', () => {
    const spec = scheduleSpecFor(schedule());
    expect(spec.timezone).toBe('UTC');
    expect(spec.calendars).toEqual([{ comment: 'day 1 of every month', dayOfMonth: 1, hour: 2, minute: 0 }]);
  });

  it('carries the configured day, time and zone', () => {
    const spec = scheduleSpecFor(schedule({ dayOfMonth: 15, hour: 6, minute: 30, timeZone: 'Europe/Berlin' }));
    expect(spec).toEqual({ timezone: 'Europe/Berlin', calendars: [{ comment: 'day 15 of every month', dayOfMonth: 15, hour: 6, minute: 30 }] });
  });
});

describe('months and backfill ranges', () => {
  it('counts months across years', () => {
    expect(monthsFromTo('2026-11', '2027-02')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
  });

  it('runs the cycle of a month in the month after it', () => {
    expect(runTimeFor('2026-08', schedule()).toISOString()).toBe('2026-09-01T02:00:00.000Z');
    expect(runTimeFor('2026-12', schedule()).toISOString()).toBe('2027-01-01T02:00:00.000Z');
    // The cycle of 2026-04 runs on the last business day of May: Friday the 29th, 18:00 New York (EDT) = 22:00 UTC.
    expect(runTimeFor('2026-04', schedule({ dayOfMonth: 'last-business-day', hour: 18, timeZone: 'America/New_York' })).toISOString())
      .toBe('2026-05-29T22:00:00.000Z');
  });

  it('covers the run months of the backfilled cycles, on the schedule clock', () => {
    const w = backfillWindow('2026-08', '2026-09', schedule());
    expect([w.start.toISOString(), w.end.toISOString()]).toEqual(['2026-09-01T00:00:00.000Z', '2026-10-31T23:59:59.000Z']);
    const ny = backfillWindow('2026-08', '2026-08', schedule({ timeZone: 'America/New_York' }));
    expect([ny.start.toISOString(), ny.end.toISOString()]).toEqual(['2026-09-01T04:00:00.000Z', '2026-10-01T03:59:59.000Z']);
    // Each backfilled month's run time lies in the window, and the neighbours' do not.
    for (const s of [schedule(), schedule({ dayOfMonth: 'last-business-day', hour: 23, minute: 59, timeZone: 'Pacific/Auckland' })]) {
      const win = backfillWindow('2026-08', '2026-09', s);
      const inside = (m: string) => runTimeFor(m, s) >= win.start && runTimeFor(m, s) <= win.end;
      expect(['2026-07', '2026-08', '2026-09', '2026-10'].map(inside)).toEqual([false, true, true, false]);
    }
    expect(() => backfillWindow('2026-09', '2026-08', schedule())).toThrow(/--from 2026-09 is after --to 2026-08/);
  });
});

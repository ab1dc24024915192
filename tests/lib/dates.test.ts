import { describe, expect, it } from 'vitest';
import {
  DAY_MS, daysInMonth, monthFromIndex, monthIndex, monthOf, monthsBetweenAverage, monthsBetweenByStartMonth, shiftMonths, toMs,
} from '../../lib/dates';

describe('dates and months', () => {
  it('reads a date alone as midnight UTC and refuses text that is not a date', () => {
    expect(toMs('2024-01-02') - toMs('2024-01-01')).toBe(DAY_MS);
    expect(toMs('2024-01-01T12:00:00Z') - toMs('2024-01-01')).toBe(DAY_MS / 2);
    expect(() => toMs('soon')).toThrow(/not a date or timestamp/);
  });

  it('counts months by index', () => {
    expect(monthOf('2024-03-31')).toBe('2024-03');
    expect(monthIndex('2024-02') - monthIndex('2023-12')).toBe(2);
    expect(monthFromIndex(monthIndex('2024-12') + 1)).toBe('2025-01');
    expect(() => monthIndex('2024-13')).toThrow(/not a month/);
  });

  it.each([
    ['2026-11-01', -6, '2026-05-01'],
    ['2026-01-31', 1, '2026-03-03'],
    ['2026-12', 1, '2027-01'],
    ['2026-01', -1, '2025-12'],
  ])('shifts %s by %i months to %s', (from, n, to) => {
    expect(shiftMonths(from, n)).toBe(to);
  });

  it.each([[2024, 2, 29], [2023, 2, 28], [1900, 2, 28], [2000, 2, 29], [2026, 4, 30], [2026, 12, 31]])('%i-%i has %i days', (y, m, days) => {
    expect(daysInMonth(y, m)).toBe(days);
  });

  it('counts leftover days in average months for durations, in the start month for the term check', () => {
    expect(monthsBetweenAverage('2024-01-01', '2025-01-01')).toBe(12);
    expect(monthsBetweenByStartMonth('2024-01-01', '2025-01-01')).toBe(12);
    expect(monthsBetweenAverage('2024-02-01', '2024-02-16')).toBeCloseTo(15 / 30.4375, 12);
    expect(monthsBetweenByStartMonth('2024-02-01', '2024-02-16')).toBeCloseTo(15 / 29, 12);
  });
});

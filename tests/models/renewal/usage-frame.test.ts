/**
 * A usage index of part of the table, in the frame of the whole
 * (usageIndexInFrame): every usage measure of every account equals what the
 * whole table's index gives, whichever accounts the part holds. Without the
 * frame the parts disagree (the check is not vacuous).
 */
import { describe, expect, it } from 'vitest';
import { monthFromIndex, monthIndex } from '../../../lib/dates';
import { ALL_USAGE, usageDynamicsOf, usageIndexInFrame, usageIndexOf, type RenewalUsage, type UsageFrame } from '../../../models/renewal';
import { usageFeaturesOf } from '../../../models/renewal/usage-features';
import { createRng } from '../../../models/random';

/** 60 accounts over 30 months, each starting at its own month, with its own growth, some without rows some months. */
function usageTable(): RenewalUsage[] {
  const rng = createRng(5).uniform;
  const first = monthIndex('2024-01');
  const rows: RenewalUsage[] = [];
  for (let a = 0; a < 60; a++) {
    const start = Math.floor(rng() * 12);
    const growth = (rng() - 0.4) * 0.1;
    for (let m = start; m < 30; m++) {
      if (rng() < 0.1) continue;
      const level = 100 * Math.exp(growth * (m - start) + (rng() - 0.5) * 0.3);
      rows.push({ account_id: `A${a}`, month: monthFromIndex(first + m), usage_units: Math.round(level), active_users: Math.max(1, Math.round(level / 10)) });
    }
  }
  return rows;
}

describe('usageIndexInFrame', () => {
  const rows = usageTable();
  const whole = usageIndexOf(rows);
  const frame: UsageFrame = {
    firstMonth: whole.firstMonth, lastMonth: whole.lastMonth, withUsers: whole.users !== null,
    dynamics: { units: usageDynamicsOf(whole, 'units'), users: usageDynamicsOf(whole, 'users') },
  };
  const accounts = [...new Set(rows.map((r) => r.account_id))];
  // Each account at three reference months, the last after its rows end.
  const refs = [monthIndex('2024-09'), monthIndex('2025-06'), monthIndex('2026-08')];
  const contracts = accounts.flatMap((account_id) => refs.map(() => ({ account_id })));
  const refOf = contracts.map((_, i) => refs[i % refs.length]);
  const expected = usageFeaturesOf(contracts, refOf, whole, ALL_USAGE);

  it('gives each account of a part the measures the whole table gives it', () => {
    for (const parts of [2, 5]) {
      for (let p = 0; p < parts; p++) {
        const mine = new Set(accounts.filter((_, i) => i % parts === p));
        const index = usageIndexInFrame(rows.filter((r) => mine.has(r.account_id)), frame);
        const got = usageFeaturesOf(contracts, refOf, index, ALL_USAGE);
        contracts.forEach((c, i) => {
          if (mine.has(c.account_id)) expect(got[i], `${c.account_id} in part ${p} of ${parts}`).toEqual(expected[i]);
        });
      }
    }
    expect(expected.filter((e) => e.usageLatentTrend !== null).length).toBeGreaterThan(100);
  });

  it('differs without the frame: a part fits its own dynamics over its own months', () => {
    const mine = new Set(accounts.slice(0, 7));
    const got = usageFeaturesOf(contracts, refOf, usageIndexOf(rows.filter((r) => mine.has(r.account_id))), ALL_USAGE);
    const differs = contracts.some((c, i) => mine.has(c.account_id) && got[i].usageLatentTrend !== expected[i].usageLatentTrend);
    expect(differs).toBe(true);
  });

  it('refuses rows outside the frame, and rows without the active users the frame reads', () => {
    expect(() => usageIndexInFrame([{ account_id: 'X', month: '2030-01', usage_units: 1, active_users: 1 }], frame)).toThrow(/outside the frame/);
    expect(() => usageIndexInFrame([{ account_id: 'X', month: '2024-05', usage_units: 1, active_users: null }], frame)).toThrow(/active users/);
  });
});

/** Time to value by segment on hand-made contracts and usage (run month 2026-10, month end 2026-11-01). */
import { describe, expect, it } from 'vitest';
import { timeToValue } from '../../../models/finance/time-to-value';

const accounts = [
  { account_id: 'A1', segment: 'smb' as const }, { account_id: 'A2', segment: 'smb' as const }, { account_id: 'A3', segment: 'smb' as const },
  { account_id: 'B1', segment: 'enterprise' as const }, { account_id: 'B2', segment: 'enterprise' as const }, { account_id: 'B3', segment: 'enterprise' as const },
  { account_id: 'M1', segment: 'mid_market' as const },
];
const contracts = [
  { contract_id: 'A1-1', account_id: 'A1', start_date: '2026-01-20', status: 'renewed' as const }, // first active 2026-03: 40 days
  { contract_id: 'A1-2', account_id: 'A1', start_date: '2027-01-20', status: 'active' as const }, // its renewal: not a first contract
  { contract_id: 'A2-1', account_id: 'A2', start_date: '2026-02-10', status: 'renewed' as const }, // active in its start month: 0 days
  { contract_id: 'A3-1', account_id: 'A3', start_date: '2026-05-01', status: 'churned' as const }, // usage rows, none active: pending
  { contract_id: 'B1-1', account_id: 'B1', start_date: '2026-04-01', status: 'expired' as const }, // trial usage before the start is skipped: 2026-07 = 91 days
  { contract_id: 'B1-0', account_id: 'B1', start_date: '2026-06-01', status: 'active' as const }, // a second product: not the first contract
  { contract_id: 'B2-1', account_id: 'B2', start_date: '2026-03-15', status: 'churned' as const }, // no usage rows at all: noUsage
  { contract_id: 'B3-1', account_id: 'B3', start_date: '2026-08-01', status: 'active' as const }, // active only after the run's month: pending
  { contract_id: 'M1-1', account_id: 'M1', start_date: '2025-06-01', status: 'renewed' as const }, // before usage.csv's first month (2026-01): unknowable
];
const usage = [
  { account_id: 'A1', month: '2026-01', active_users: 0 }, { account_id: 'A1', month: '2026-02', active_users: 0 }, { account_id: 'A1', month: '2026-03', active_users: 5 },
  { account_id: 'A2', month: '2026-02', active_users: 3 },
  { account_id: 'A3', month: '2026-05', active_users: 0 }, { account_id: 'A3', month: '2026-06', active_users: 0 },
  { account_id: 'B1', month: '2026-02', active_users: 9 }, { account_id: 'B1', month: '2026-04', active_users: 0 }, { account_id: 'B1', month: '2026-07', active_users: 12 },
  { account_id: 'B3', month: '2026-09', active_users: 0 }, { account_id: 'B3', month: '2026-11', active_users: 7 },
  { account_id: 'M1', month: '2026-01', active_users: 30 },
];

describe('timeToValue', () => {
  it('gives each segment the median days to the first active month, pending, untracked and unknowable contracts counted beside it', () => {
    const r = timeToValue(contracts, accounts, usage, '2026-10');
    expect(r.segments).toEqual([
      { segment: 'enterprise', contracts: 2, valued: 1, medianDays: 91, pending: 1, noUsage: 1, beforeUsage: 0 },
      { segment: 'mid_market', contracts: 0, valued: 0, medianDays: null, pending: 0, noUsage: 0, beforeUsage: 1 },
      { segment: 'smb', contracts: 3, valued: 2, medianDays: 20, pending: 1, noUsage: 0, beforeUsage: 0 },
    ]);
    expect(r.overall).toEqual({ segment: 'all', contracts: 5, valued: 3, medianDays: 40, pending: 2, noUsage: 1, beforeUsage: 1 });
  });

  it('splits the decided first contracts by renewal: A1 (40 days) and A2 (0) renewed; B1 (91) and pending A3 did not; B2 untracked', () => {
    const { byRenewal } = timeToValue(contracts, accounts, usage, '2026-10');
    expect(byRenewal.renewed).toEqual({ segment: 'renewed', contracts: 2, valued: 2, medianDays: 20, pending: 0, noUsage: 0, beforeUsage: 1 });
    expect(byRenewal.notRenewed).toEqual({ segment: 'not_renewed', contracts: 2, valued: 1, medianDays: 91, pending: 1, noUsage: 1, beforeUsage: 0 });
  });

  it('reads only what was known by the run\'s month: a later run sees B3 valued', () => {
    const later = timeToValue(contracts, accounts, usage, '2026-11');
    expect(later.segments.find((s) => s.segment === 'enterprise')).toMatchObject({ valued: 2, pending: 0, medianDays: (91 + 92) / 2 });
  });
});

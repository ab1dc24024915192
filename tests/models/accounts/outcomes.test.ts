/**
 * The labels and cuts of the account models, by hand: which deals count as a
 * win in a window (closed won in it, or created in it and won by the time it
 * is judged), which contracts are an expansion and how large, and which
 * historical cuts a model is fitted on.
 */
import { describe, expect, it } from 'vitest';
import { accountBook, type BookRows } from '../../../models/accounts/book';
import { expansionIn, trainingCuts, wonIn } from '../../../models/accounts/outcomes';

const account = { account_id: 'A', parent_account_id: null, segment: 'smb' as const, region: 'NA', industry: null, created_at: '2020-01-01' };

describe('won in a window', () => {
  const rows: BookRows = {
    accounts: [account],
    contracts: [],
    opportunities: [
      { account_id: 'A', created_at: '2025-03-10', closed_at: '2025-06-15', stage: 'won', amount_usd: 100 }, // created before, won in the window
      { account_id: 'A', created_at: '2025-07-01', closed_at: '2025-09-30', stage: 'won', amount_usd: 20 }, // created and won in it
      { account_id: 'A', created_at: '2025-11-20', closed_at: '2026-02-01', stage: 'won', amount_usd: 3 }, // created in it, won after
      { account_id: 'A', created_at: '2025-08-01', closed_at: '2025-10-01', stage: 'lost', amount_usd: 5000 },
      { account_id: 'A', created_at: '2025-09-01', closed_at: null, stage: 'open', amount_usd: 7000 },
      { account_id: 'A', created_at: '2025-12-01', closed_at: '2025-12-05', stage: 'won', amount_usd: 9000 }, // the window's last day is 2025-11-30
    ],
  };
  const book = accountBook(rows);

  it('counts the deals closed won in [from, to) by default', () => {
    expect(wonIn(book, 0, '2025-06-01', '2025-12-01')).toEqual({ happened: true, acvUsd: 120 });
    expect(wonIn(book, 0, '2025-10-01', '2025-12-01')).toEqual({ happened: false, acvUsd: 0 });
  });

  it('or the deals created in the window and won before it is judged', () => {
    expect(wonIn(book, 0, '2025-06-01', '2025-12-01', 'created', '2025-12-01')).toEqual({ happened: true, acvUsd: 20 });
    expect(wonIn(book, 0, '2025-06-01', '2025-12-01', 'created', '2026-06-01')).toEqual({ happened: true, acvUsd: 23 });
  });
});

describe('expanded in a window', () => {
  const contract = (id: string, previous: string | null, start: string, acv: number) =>
    ({ contract_id: id, account_id: 'A', previous_contract_id: previous, product: 'Core', start_date: start, end_date: '2030-01-01', acv_usd: acv });
  const book = accountBook({
    accounts: [account, { ...account, account_id: 'B' }],
    opportunities: [],
    contracts: [
      contract('C1', null, '2023-01-01', 1000),
      contract('C2', 'C1', '2024-01-01', 1030), // renewal 3% up
      contract('C3', 'C2', '2025-01-01', 900), // renewal down
      contract('C4', null, '2025-03-01', 400), // new business
      { ...contract('D1', null, '2023-01-01', 500), account_id: 'B' },
      { ...contract('D2', 'D1', '2024-06-01', 500), account_id: 'B' }, // flat renewal
    ],
  });

  it('is new business or a renewal above the contract it replaces, sized by the ACV added', () => {
    expect(expansionIn(book, 0, '2023-06-01', '2024-06-01')).toEqual({ happened: true, acvUsd: 30 });
    expect(expansionIn(book, 0, '2024-06-01', '2025-02-01')).toEqual({ happened: false, acvUsd: 0 });
    expect(expansionIn(book, 0, '2024-06-01', '2025-06-01')).toEqual({ happened: true, acvUsd: 400 });
    expect(expansionIn(book, 0, '2022-01-01', '2023-06-01')).toEqual({ happened: true, acvUsd: 1000 });
    expect(expansionIn(book, 1, '2024-01-01', '2025-01-01')).toEqual({ happened: false, acvUsd: 0 });
  });

  it('leaves out renewals up by no more than minUplift', () => {
    expect(expansionIn(book, 0, '2023-06-01', '2024-06-01', 0.05)).toEqual({ happened: false, acvUsd: 0 });
    expect(expansionIn(book, 0, '2023-06-01', '2024-06-01', 0.02)).toEqual({ happened: true, acvUsd: 30 });
  });
});

describe('training cuts', () => {
  it('step back from as-of minus the horizon while a cut has its history', () => {
    const o = { horizonMonths: 6, everyMonths: 3, maxCuts: 10, minHistoryMonths: 6 };
    expect(trainingCuts('2026-11-01', '2025-01-15', o)).toEqual(['2026-05-01', '2026-02-01', '2025-11-01', '2025-08-01']);
    expect(trainingCuts('2026-11-01', '2025-01-15', { ...o, maxCuts: 2 })).toEqual(['2026-05-01', '2026-02-01']);
    expect(trainingCuts('2026-11-01', '2026-06-01', o)).toEqual([]);
    expect(trainingCuts('2026-11-01', '2024-01-01', { ...o, horizonMonths: 12, everyMonths: 12 })).toEqual(['2025-11-01', '2024-11-01']);
  });
});

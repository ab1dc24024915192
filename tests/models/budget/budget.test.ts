import { describe, expect, it } from 'vitest';
import { recentSpend } from '../../../models/budget';

describe('recentSpend', () => {
  it('means the last 3 months through the given month, missing months as 0', () => {
    expect(
      recentSpend(
        [
          { month: '2024-01', channel: 'email', amount_usd: 90 },
          { month: '2024-03', channel: 'email', amount_usd: 30 },
          { month: '2024-04', channel: 'email', amount_usd: 60 },
          { month: '2023-12', channel: 'event', amount_usd: 500 }, // outside the window
          { month: '2024-05', channel: 'event', amount_usd: 500 }, // after throughMonth
        ],
        '2024-04',
      ),
    ).toEqual({ email: 30, event: 0 });
  });
});

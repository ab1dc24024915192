import type { DropRows } from '../contracts/rows';

/** Contracts joined with their account's segment, as the LTV model takes them. */
export function contractsWithSegment(rows: { accounts: readonly Pick<DropRows['accounts'][number], 'account_id' | 'segment'>[]; contracts: DropRows['contracts'] }) {
  const segment = new Map(rows.accounts.map((a) => [a.account_id, a.segment as string]));
  return rows.contracts.map((c) => ({ ...c, segment: segment.get(c.account_id) ?? '(unknown)' }));
}

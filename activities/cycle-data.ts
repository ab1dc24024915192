import type { ContractRow, DropRows, OpportunityRow } from '../contracts/rows';
import type { WonOpportunity } from '../models/attribution';

/**
 * Won opportunities with the ACV they actually brought: the ACV of the first
 * contract they originated (after FX), else the opportunity's amount.
 */
export function wonOpportunities(rows: Pick<DropRows, 'accounts' | 'opportunities' | 'contracts'>, asOf: string): WonOpportunity[] {
  const segment = new Map(rows.accounts.map((a) => [a.account_id, a.segment as string]));
  const firstContract = new Map<string, ContractRow>();
  for (const c of rows.contracts) if (c.opportunity_id && !firstContract.has(c.opportunity_id)) firstContract.set(c.opportunity_id, c);
  return rows.opportunities
    .filter((o: OpportunityRow) => o.stage === 'won' && o.closed_at !== null && o.closed_at < asOf)
    .map((o) => ({
      opportunity_id: o.opportunity_id,
      account_id: o.account_id,
      created_at: o.created_at,
      acv_usd: firstContract.get(o.opportunity_id)?.acv_usd ?? o.amount_usd,
      segment: segment.get(o.account_id) ?? '(unknown)',
    }));
}

/** Contracts joined with their account's segment, as the LTV model takes them. */
export function contractsWithSegment(rows: Pick<DropRows, 'accounts' | 'contracts'>) {
  const segment = new Map(rows.accounts.map((a) => [a.account_id, a.segment as string]));
  return rows.contracts.map((c) => ({ ...c, segment: segment.get(c.account_id) ?? '(unknown)' }));
}

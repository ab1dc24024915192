/**
 * Gross margin from marketing (issue 17, part 2): the annual gross margin of
 * the active contracts each lead source brought in, and that margin per
 * dollar of the channel's spend.
 */
import type { ContractRow, OpportunityRow, SpendRow } from '../../contracts/rows';
import { NO_LEAD_SOURCE } from '../kpi';
import { financeWindow, inWindow, type FinanceWindow } from './window';

export { NO_LEAD_SOURCE };

export type MarginContract = Pick<ContractRow, 'contract_id' | 'opportunity_id' | 'start_date' | 'status' | 'acv_usd' | 'cost_to_serve_annual_usd'>;
export type MarginOpportunity = Pick<OpportunityRow, 'opportunity_id' | 'lead_source'>;
export type MarginSpend = Pick<SpendRow, 'month' | 'channel' | 'amount_usd'>;

export interface ChannelMargin {
  /** The originating opportunity's lead_source; NO_LEAD_SOURCE for opportunities without one (not marketing-sourced). */
  leadSource: string;
  /** The spend channel the lead source maps to; null for NO_LEAD_SOURCE. */
  channel: string | null;
  contracts: number;
  /** Σ ACV, USD at the start month's rate. */
  acv: number;
  /** Σ cost_to_serve_annual, same rate; an empty cost is 0. */
  costToServe: number;
  /** acv − costToServe. */
  grossMargin: number;
  /** The channel's spend over the window; null for NO_LEAD_SOURCE. */
  spend: number | null;
  /** grossMargin / spend; null when the channel had no spend in the window. */
  marginPerDollar: number | null;
}

export interface GrossMarginByChannel {
  /** The spend window. */
  window: FinanceWindow;
  channels: ChannelMargin[];
}

/**
 * Over contracts with status `active` started before the month end and
 * carrying an opportunity_id (renewals carry none), ACV minus annual cost to
 * serve, summed by the opportunity's lead_source. The drop names lead
 * sources and spend channels in one vocabulary (spec: lead_source is the
 * channel that sourced the lead; the generator draws both from one channel
 * list), so a lead source is its own channel unless `channelOfLeadSource`
 * maps it (as the marketing KPIs do); a source no spend row names (e.g. a
 * review site) has null per-dollar.
 *
 * Spend window: the twelve months ending with the run's month. The margin is
 * annual (ACV and the annual cost to serve), so a year of spend puts both on
 * the same yearly footing, and it is the window of the billing figures; the
 * contracts' own signing months would tie today's book to spend long gone.
 * @example
 * grossMarginByChannel(
 *   [{ contract_id: 'C1', opportunity_id: 'O1', start_date: '2026-03-01', status: 'active', acv_usd: 1000, cost_to_serve_annual_usd: 200 }],
 *   [{ opportunity_id: 'O1', lead_source: 'webinar' }], [{ month: '2026-02', channel: 'webinar', amount_usd: 400 }], '2026-10',
 * ).channels[0] // { leadSource: 'webinar', channel: 'webinar', contracts: 1, acv: 1000, costToServe: 200, grossMargin: 800, spend: 400, marginPerDollar: 2 }
 */
export function grossMarginByChannel(
  contracts: readonly MarginContract[], opportunities: readonly MarginOpportunity[], spend: readonly MarginSpend[], month: string,
  opts: { channelOfLeadSource?: Readonly<Record<string, string>> } = {},
): GrossMarginByChannel {
  const window = financeWindow(month);
  const leadSourceOf = new Map(opportunities.map((o) => [o.opportunity_id, o.lead_source]));
  const spendOf = new Map<string, number>();
  for (const s of spend) if (inWindow(window, s.month)) spendOf.set(s.channel, (spendOf.get(s.channel) ?? 0) + s.amount_usd);
  const by = new Map<string, ChannelMargin>();
  for (const c of contracts) {
    if (c.status !== 'active' || c.opportunity_id === null || c.start_date >= window.asOf) continue;
    const source = leadSourceOf.get(c.opportunity_id) ?? null;
    const key = source ?? NO_LEAD_SOURCE;
    let line = by.get(key);
    if (!line) {
      const channel = source === null ? null : opts.channelOfLeadSource?.[source] ?? source;
      const spent = channel === null ? null : spendOf.get(channel) ?? 0;
      line = { leadSource: key, channel, contracts: 0, acv: 0, costToServe: 0, grossMargin: 0, spend: spent, marginPerDollar: null };
      by.set(key, line);
    }
    line.contracts++;
    line.acv += c.acv_usd;
    line.costToServe += c.cost_to_serve_annual_usd ?? 0;
  }
  const channels = [...by.values()].map((l) => {
    const grossMargin = l.acv - l.costToServe;
    return { ...l, grossMargin, marginPerDollar: l.spend !== null && l.spend > 0 ? grossMargin / l.spend : null };
  }).sort((a, b) => b.grossMargin - a.grossMargin || (a.leadSource < b.leadSource ? -1 : 1));
  return { window, channels };
}

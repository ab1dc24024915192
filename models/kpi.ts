/**
 * Marketing KPIs on contract value (first cut).
 *
 * - ACV from marketing leads = Σ acv_usd of *first* contracts (no
 *   previous_contract_id) whose originating opportunity has a lead_source,
 *   divided by the number of marketing leads (opportunities with a
 *   lead_source, any stage). Banded strong / moderate / underperforming.
 * - ACV per marketing-sourced won deal = the same ACV over the number of won
 *   opportunities with a lead_source.
 * - Win rate by lead source = won / (won + lost); open deals are not decided.
 * Every KPI is also cut by segment and region of the opportunity's account
 * family: subsidiaries take their top parent's segment and region.
 */
import { rollUpAccounts } from './graph';

export interface KpiOpportunity {
  opportunity_id: string;
  account_id: string;
  stage: 'open' | 'won' | 'lost';
  lead_source: string | null;
}

export interface KpiContract {
  contract_id: string;
  opportunity_id: string | null;
  previous_contract_id: string | null;
  acv_usd: number;
}

export interface KpiAccount {
  account_id: string;
  parent_account_id: string | null;
  segment: string;
  region: string | null;
}

export type KpiBand = 'strong' | 'moderate' | 'underperforming';

export interface KpiThresholds {
  /** ACV per marketing lead at or above this is strong. Default 1,000,000. */
  strong: number;
  /** At or above this (and below strong) is moderate. Default 500,000. */
  moderate: number;
}

export interface LeadSourceWinRate {
  opportunities: number;
  won: number;
  lost: number;
  open: number;
  /** won / (won + lost); null when none is decided. */
  winRate: number | null;
}

export interface KpiSet {
  marketingLeads: number;
  marketingAcv: number;
  /** null when there are no marketing leads. */
  acvPerMarketingLead: number | null;
  band: KpiBand | null;
  marketingWonDeals: number;
  acvPerMarketingWonDeal: number | null;
  winRateByLeadSource: Record<string, LeadSourceWinRate>;
}

export interface KpiReport {
  overall: KpiSet;
  bySegment: Record<string, KpiSet>;
  byRegion: Record<string, KpiSet>;
  /** Account parent cycles found while rolling up (empty for valid data). */
  accountCycles: string[][];
}

export const DEFAULT_KPI_THRESHOLDS: KpiThresholds = { strong: 1_000_000, moderate: 500_000 };
/** Region key of accounts (families) without a region. */
export const UNKNOWN_REGION = '(unknown)';

/**
 * The band of an ACV-per-marketing-lead value.
 *
 * @example
 * kpiBand(1_000_000); // 'strong'
 * kpiBand(500_000);   // 'moderate'
 * kpiBand(499_999);   // 'underperforming'
 */
export function kpiBand(value: number, thresholds: KpiThresholds = DEFAULT_KPI_THRESHOLDS): KpiBand {
  if (!(thresholds.moderate <= thresholds.strong)) throw new RangeError('KPI thresholds need moderate <= strong');
  if (value >= thresholds.strong) return 'strong';
  if (value >= thresholds.moderate) return 'moderate';
  return 'underperforming';
}

interface Acc {
  leads: number;
  acv: number;
  wonDeals: number;
  bySource: Map<string, LeadSourceWinRate>;
}

const newAcc = (): Acc => ({ leads: 0, acv: 0, wonDeals: 0, bySource: new Map() });

function finish(a: Acc, thresholds: KpiThresholds): KpiSet {
  const perLead = a.leads ? a.acv / a.leads : null;
  const winRateByLeadSource: Record<string, LeadSourceWinRate> = {};
  for (const [src, r] of [...a.bySource].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    winRateByLeadSource[src] = { ...r, winRate: r.won + r.lost ? r.won / (r.won + r.lost) : null };
  }
  return {
    marketingLeads: a.leads,
    marketingAcv: a.acv,
    acvPerMarketingLead: perLead,
    band: perLead === null ? null : kpiBand(perLead, thresholds),
    marketingWonDeals: a.wonDeals,
    acvPerMarketingWonDeal: a.wonDeals ? a.acv / a.wonDeals : null,
    winRateByLeadSource,
  };
}

function finishAll(m: Map<string, Acc>, thresholds: KpiThresholds): Record<string, KpiSet> {
  const out: Record<string, KpiSet> = {};
  for (const [k, a] of [...m].sort((x, y) => (x[0] < y[0] ? -1 : 1))) out[k] = finish(a, thresholds);
  return out;
}

/**
 * Marketing KPIs overall, by segment and by region (of the top parent).
 *
 * @example
 * const r = marketingKpis(
 *   [{ opportunity_id: 'O1', account_id: 'A', stage: 'won', lead_source: 'webinar' },
 *    { opportunity_id: 'O2', account_id: 'A', stage: 'lost', lead_source: 'webinar' }],
 *   [{ contract_id: 'C1', opportunity_id: 'O1', previous_contract_id: null, acv_usd: 1_200_000 }],
 *   [{ account_id: 'A', parent_account_id: null, segment: 'enterprise', region: 'NA' }],
 * );
 * r.overall.acvPerMarketingLead; // 600000
 * r.overall.band;                // 'moderate'
 */
export function marketingKpis(
  opportunities: readonly KpiOpportunity[],
  contracts: readonly KpiContract[],
  accounts: readonly KpiAccount[],
  thresholds: KpiThresholds = DEFAULT_KPI_THRESHOLDS,
): KpiReport {
  const { topParent, cycles } = rollUpAccounts(accounts);
  const accountById = new Map(accounts.map((a) => [a.account_id, a]));
  const familyOf = (accountId: string): { segment: string; region: string } => {
    const top = accountById.get(topParent.get(accountId) ?? accountId) ?? accountById.get(accountId);
    return { segment: top?.segment ?? '(unknown)', region: top?.region ?? UNKNOWN_REGION };
  };

  const overall = newAcc();
  const bySegment = new Map<string, Acc>();
  const byRegion = new Map<string, Acc>();
  const oppById = new Map<string, { cuts: Acc[]; marketing: boolean }>();
  const cutsOf = (accountId: string): Acc[] => {
    const { segment, region } = familyOf(accountId);
    if (!bySegment.has(segment)) bySegment.set(segment, newAcc());
    if (!byRegion.has(region)) byRegion.set(region, newAcc());
    return [overall, bySegment.get(segment)!, byRegion.get(region)!];
  };

  for (const o of opportunities) {
    const cuts = cutsOf(o.account_id);
    oppById.set(o.opportunity_id, { cuts, marketing: o.lead_source !== null });
    if (o.lead_source === null) continue;
    for (const a of cuts) {
      a.leads++;
      if (o.stage === 'won') a.wonDeals++;
      let r = a.bySource.get(o.lead_source);
      if (!r) a.bySource.set(o.lead_source, (r = { opportunities: 0, won: 0, lost: 0, open: 0, winRate: null }));
      r.opportunities++;
      r[o.stage]++;
    }
  }
  for (const c of contracts) {
    if (c.previous_contract_id !== null || c.opportunity_id === null) continue;
    const o = oppById.get(c.opportunity_id);
    if (!o || !o.marketing) continue;
    for (const a of o.cuts) a.acv += c.acv_usd;
  }
  return {
    overall: finish(overall, thresholds),
    bySegment: finishAll(bySegment, thresholds),
    byRegion: finishAll(byRegion, thresholds),
    accountCycles: cycles,
  };
}

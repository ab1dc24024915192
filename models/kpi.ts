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
 *
 * `marketingKpiReport` adds, per cut: the same KPI net of churn, ACV per
 * dollar of spend by channel, and win rate and deal velocity by lead source
 * (definitions on its types and doc comment).
 */
import { mean, median } from 'simple-statistics';
import { DAY_MS, monthFromIndex, monthIndex, monthOf, toMs } from '../lib/dates';
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
/** Segment key of opportunities whose account is missing from the accounts. */
const UNKNOWN_SEGMENT = '(unknown)';

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

/** Segment and region of each account's top parent (the family every KPI is cut by). */
function accountFamilies(accounts: readonly KpiAccount[]): {
  familyOf: (accountId: string) => { segment: string; region: string };
  cycles: string[][];
} {
  const { topParent, cycles } = rollUpAccounts(accounts);
  const accountById = new Map(accounts.map((a) => [a.account_id, a]));
  const familyOf = (accountId: string) => {
    const top = accountById.get(topParent.get(accountId) ?? accountId) ?? accountById.get(accountId);
    return { segment: top?.segment ?? UNKNOWN_SEGMENT, region: top?.region ?? UNKNOWN_REGION };
  };
  return { familyOf, cycles };
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
  const { familyOf, cycles } = accountFamilies(accounts);

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

// ---------------------------------------------------------------------------
// The full report: net of churn, ACV per dollar by channel, velocity by source.
// ---------------------------------------------------------------------------

/** Source key of opportunities without a lead_source (sales outbound, partner without marketing). */
export const NO_LEAD_SOURCE = '(none)';

export interface KpiOpportunityDated extends KpiOpportunity {
  created_at: string;
  closed_at: string | null;
}

export interface KpiContractDated extends KpiContract {
  end_date: string;
}

export interface KpiSpend {
  month: string;
  channel: string;
  amount_usd: number;
}

export interface MarketingKpiOptions {
  /** The report date: a contract chain whose renewal fell due on or before it and did not renew is churned. */
  asOf: string;
  thresholds?: KpiThresholds;
  /** lead_source -> spend channel; a lead source not listed is its own channel (the drop uses one vocabulary). */
  channelOfLeadSource?: Readonly<Record<string, string>>;
  /** Months (YYYY-MM, inclusive) of the ACV-per-dollar window. Default: the first to the last month of the spend rows. */
  window?: { from: string; to: string };
}

/**
 * The ACV-from-marketing-leads KPI net of churn. A marketing-sourced first
 * contract's chain (it, its renewal, the renewal's renewal, ...) is churned
 * when a contract of the chain ended on or before asOf and nothing renews it;
 * its first-contract ACV is then subtracted. A chain still in term, or
 * renewed up to a contract still in term, keeps its ACV.
 */
export interface NetOfChurn {
  /** Σ first-contract ACV of marketing-sourced chains that have not churned. */
  marketingAcv: number;
  /** Σ first-contract ACV of the churned chains. */
  churnedAcv: number;
  churnedContracts: number;
  acvPerMarketingLead: number | null;
  band: KpiBand | null;
}

/**
 * ACV per dollar of spend for one channel: the first-contract ACV of won
 * opportunities whose lead source maps to the channel and that closed inside
 * the window, over the channel's spend in the same months. Spend is not split
 * by segment or region, so in a cut the value is the cut's ACV per dollar of
 * the whole channel's spend: the cuts add up to the overall value.
 */
export interface ChannelAcvPerDollar {
  spendUsd: number;
  wonDeals: number;
  wonAcv: number;
  /** null when the channel had no spend in the window. */
  acvPerDollar: number | null;
}

/** Days from created_at to closed_at of won opportunities. */
export interface DealVelocity {
  wonDeals: number;
  meanDays: number | null;
  medianDays: number | null;
}

export interface SourceStats extends LeadSourceWinRate {
  velocity: DealVelocity;
}

export interface MarketingKpiSet extends KpiSet {
  netOfChurn: NetOfChurn;
  acvPerDollarByChannel: Record<string, ChannelAcvPerDollar>;
  /** Win rate and velocity by lead source as given, non-marketing opportunities under NO_LEAD_SOURCE. */
  bySource: Record<string, SourceStats>;
}

export interface MarketingKpiReport {
  overall: MarketingKpiSet;
  bySegment: Record<string, MarketingKpiSet>;
  byRegion: Record<string, MarketingKpiSet>;
  accountCycles: string[][];
  asOf: string;
  /** The ACV-per-dollar window; null when there is no spend and no window was given. */
  window: { from: string; to: string } | null;
}

interface ExtraAcc {
  netAcv: number;
  churnedAcv: number;
  churnedContracts: number;
  channels: Map<string, { wonDeals: number; wonAcv: number }>;
  sources: Map<string, { opportunities: number; won: number; lost: number; open: number; days: number[] }>;
}

const newExtra = (): ExtraAcc => ({ netAcv: 0, churnedAcv: 0, churnedContracts: 0, channels: new Map(), sources: new Map() });

/** contract_id -> churned? for every contract: it ended by asOf with no renewal, or every renewal of it churned. */
function churnedChains(contracts: readonly KpiContractDated[], asOf: string): (contractId: string) => boolean {
  const asOfMs = toMs(asOf);
  const byId = new Map(contracts.map((c) => [c.contract_id, c]));
  const renewals = new Map<string, string[]>();
  for (const c of contracts) {
    if (c.previous_contract_id === null) continue;
    const list = renewals.get(c.previous_contract_id);
    if (list) list.push(c.contract_id);
    else renewals.set(c.previous_contract_id, [c.contract_id]);
  }
  const memo = new Map<string, boolean>();
  const churned = (id: string, onPath: Set<string>): boolean => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    // A renewal cycle (invalid data) is not evidence of churn.
    if (onPath.has(id)) return false;
    onPath.add(id);
    const next = renewals.get(id) ?? [];
    const c = byId.get(id)!;
    const out = next.length ? next.every((n) => churned(n, onPath)) : toMs(c.end_date) <= asOfMs;
    onPath.delete(id);
    memo.set(id, out);
    return out;
  };
  return (id) => churned(id, new Set());
}

function defaultWindow(spend: readonly KpiSpend[]): { from: string; to: string } | null {
  if (!spend.length) return null;
  let lo = spend[0].month;
  let hi = spend[0].month;
  for (const s of spend) {
    if (monthIndex(s.month) < monthIndex(lo)) lo = s.month;
    if (monthIndex(s.month) > monthIndex(hi)) hi = s.month;
  }
  return { from: lo, to: hi };
}

const byKey = <T>(m: Map<string, T>): [string, T][] => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));

function finishExtra(base: KpiSet, e: ExtraAcc, spendByChannel: Map<string, number>, thresholds: KpiThresholds): MarketingKpiSet {
  const perLead = base.marketingLeads ? e.netAcv / base.marketingLeads : null;
  const acvPerDollarByChannel: Record<string, ChannelAcvPerDollar> = {};
  const channels = new Set([...spendByChannel.keys(), ...e.channels.keys()]);
  for (const ch of [...channels].sort()) {
    const spendUsd = spendByChannel.get(ch) ?? 0;
    const won = e.channels.get(ch) ?? { wonDeals: 0, wonAcv: 0 };
    acvPerDollarByChannel[ch] = { spendUsd, wonDeals: won.wonDeals, wonAcv: won.wonAcv, acvPerDollar: spendUsd > 0 ? won.wonAcv / spendUsd : null };
  }
  const bySource: Record<string, SourceStats> = {};
  for (const [src, r] of byKey(e.sources)) {
    bySource[src] = {
      opportunities: r.opportunities, won: r.won, lost: r.lost, open: r.open,
      winRate: r.won + r.lost ? r.won / (r.won + r.lost) : null,
      velocity: { wonDeals: r.days.length, meanDays: r.days.length ? mean(r.days) : null, medianDays: r.days.length ? median(r.days) : null },
    };
  }
  return {
    ...base,
    netOfChurn: {
      marketingAcv: e.netAcv, churnedAcv: e.churnedAcv, churnedContracts: e.churnedContracts,
      acvPerMarketingLead: perLead, band: perLead === null ? null : kpiBand(perLead, thresholds),
    },
    acvPerDollarByChannel,
    bySource,
  };
}

/**
 * The marketing KPIs of `marketingKpis` plus, overall and by segment and
 * region of the top parent:
 * - the ACV-from-marketing-leads KPI net of churn (see `NetOfChurn`);
 * - ACV per dollar of spend by channel (see `ChannelAcvPerDollar`): won
 *   first-contract ACV attributed by the opportunity's lead source, not by
 *   touches, because the lead source is what the CRM records as the channel
 *   that sourced the deal;
 * - win rate (won / decided) and deal velocity (mean and median days from
 *   created to closed of won deals) by lead source, sales- and
 *   partner-sourced opportunities included as NO_LEAD_SOURCE for comparison.
 *
 * @example
 * const r = marketingKpiReport(
 *   [{ opportunity_id: 'O1', account_id: 'A', stage: 'won', lead_source: 'webinar', created_at: '2024-01-01', closed_at: '2024-01-31' }],
 *   [{ contract_id: 'C1', opportunity_id: 'O1', previous_contract_id: null, acv_usd: 600_000, end_date: '2025-01-31' }],
 *   [{ account_id: 'A', parent_account_id: null, segment: 'enterprise', region: 'NA' }],
 *   [{ month: '2024-01', channel: 'webinar', amount_usd: 200_000 }],
 *   { asOf: '2025-03-01' },
 * );
 * r.overall.acvPerDollarByChannel.webinar.acvPerDollar; // 3
 * r.overall.bySource.webinar.velocity.meanDays;          // 30
 * r.overall.netOfChurn.marketingAcv;                     // 0 (ended 2025-01-31, not renewed)
 */
export function marketingKpiReport(
  opportunities: readonly KpiOpportunityDated[],
  contracts: readonly KpiContractDated[],
  accounts: readonly KpiAccount[],
  spend: readonly KpiSpend[],
  options: MarketingKpiOptions,
): MarketingKpiReport {
  const thresholds = options.thresholds ?? DEFAULT_KPI_THRESHOLDS;
  const base = marketingKpis(opportunities, contracts, accounts, thresholds);
  const { familyOf } = accountFamilies(accounts);
  const window = options.window ?? defaultWindow(spend);
  const inWindow = (month: string) =>
    window === null || (monthIndex(month) >= monthIndex(window.from) && monthIndex(month) <= monthIndex(window.to));
  const channelOf = (leadSource: string) => options.channelOfLeadSource?.[leadSource] ?? leadSource;
  const churned = churnedChains(contracts, options.asOf);

  const spendByChannel = new Map<string, number>();
  for (const s of spend) if (inWindow(s.month)) spendByChannel.set(s.channel, (spendByChannel.get(s.channel) ?? 0) + s.amount_usd);

  const overall = newExtra();
  const bySegment = new Map<string, ExtraAcc>();
  const byRegion = new Map<string, ExtraAcc>();
  const cutsOf = (accountId: string): ExtraAcc[] => {
    const { segment, region } = familyOf(accountId);
    if (!bySegment.has(segment)) bySegment.set(segment, newExtra());
    if (!byRegion.has(region)) byRegion.set(region, newExtra());
    return [overall, bySegment.get(segment)!, byRegion.get(region)!];
  };

  const firstAcvOfOpp = new Map<string, number>();
  for (const c of contracts) {
    if (c.previous_contract_id !== null || c.opportunity_id === null) continue;
    firstAcvOfOpp.set(c.opportunity_id, (firstAcvOfOpp.get(c.opportunity_id) ?? 0) + c.acv_usd);
  }
  const oppById = new Map<string, KpiOpportunityDated>();
  for (const o of opportunities) {
    oppById.set(o.opportunity_id, o);
    const cuts = cutsOf(o.account_id);
    const src = o.lead_source ?? NO_LEAD_SOURCE;
    const days = o.stage === 'won' && o.closed_at !== null ? (toMs(o.closed_at) - toMs(o.created_at)) / DAY_MS : null;
    const wonInWindow = o.lead_source !== null && o.stage === 'won' && o.closed_at !== null && inWindow(monthOf(o.closed_at));
    for (const a of cuts) {
      let r = a.sources.get(src);
      if (!r) a.sources.set(src, (r = { opportunities: 0, won: 0, lost: 0, open: 0, days: [] }));
      r.opportunities++;
      r[o.stage]++;
      if (days !== null) r.days.push(days);
      if (wonInWindow) {
        const ch = channelOf(o.lead_source!);
        let w = a.channels.get(ch);
        if (!w) a.channels.set(ch, (w = { wonDeals: 0, wonAcv: 0 }));
        w.wonDeals++;
        w.wonAcv += firstAcvOfOpp.get(o.opportunity_id) ?? 0;
      }
    }
  }
  // Net of churn: the same first contracts as marketingKpis counts, less the chains that churned.
  for (const c of contracts) {
    if (c.previous_contract_id !== null || c.opportunity_id === null) continue;
    const o = oppById.get(c.opportunity_id);
    if (!o || o.lead_source === null) continue;
    const lost = churned(c.contract_id);
    for (const a of cutsOf(o.account_id)) {
      if (lost) {
        a.churnedAcv += c.acv_usd;
        a.churnedContracts++;
      } else a.netAcv += c.acv_usd;
    }
  }

  const finishCut = (bases: Record<string, KpiSet>, extras: Map<string, ExtraAcc>) => {
    const out: Record<string, MarketingKpiSet> = {};
    for (const [k, b] of Object.entries(bases)) out[k] = finishExtra(b, extras.get(k) ?? newExtra(), spendByChannel, thresholds);
    return out;
  };
  return {
    overall: finishExtra(base.overall, overall, spendByChannel, thresholds),
    bySegment: finishCut(base.bySegment, bySegment),
    byRegion: finishCut(base.byRegion, byRegion),
    accountCycles: base.accountCycles,
    asOf: options.asOf,
    window,
  };
}

// ---------------------------------------------------------------------------
// The company's own history: the same KPIs over the twelve months before the run.
// ---------------------------------------------------------------------------

/** Months of the trailing history a run's KPIs are compared with. */
export const KPI_HISTORY_MONTHS = 12;

/**
 * The `months` months before `month` (YYYY-MM), inclusive bounds.
 *
 * @example
 * trailingMonths('2026-10'); // { from: '2025-10', to: '2026-09' }
 */
export function trailingMonths(month: string, months = KPI_HISTORY_MONTHS): { from: string; to: string } {
  if (!Number.isInteger(months) || months < 1) throw new RangeError(`months must be a positive integer, got ${months}`);
  const end = monthIndex(month) - 1;
  return { from: monthFromIndex(end - months + 1), to: monthFromIndex(end) };
}

/**
 * The KPI report of `marketingKpiReport` restricted to the leads created in
 * the twelve months before `month`: the same definitions (first-contract ACV
 * of those leads, churn judged at `asOf`, ACV per dollar over the window's
 * spend), so a run's ACV per marketing lead can be read against the
 * company's own recent level rather than against fixed bands alone. The
 * window's newest leads have had months, not years, to close: the window
 * reads lower than all leads to date by their age as well as by any change.
 *
 * @example
 * const h = trailingKpiReport(opportunities, contracts, accounts, spend, { month: '2026-10', asOf: '2026-11-01' });
 * h.window;                          // { from: '2025-10', to: '2026-09' }
 * h.overall.acvPerMarketingLead;     // ACV per lead created in that window
 */
export function trailingKpiReport(
  opportunities: readonly KpiOpportunityDated[],
  contracts: readonly KpiContractDated[],
  accounts: readonly KpiAccount[],
  spend: readonly KpiSpend[],
  options: Omit<MarketingKpiOptions, 'window'> & { month: string; months?: number },
): MarketingKpiReport {
  const window = trailingMonths(options.month, options.months);
  const inWindow = (month: string) => monthIndex(month) >= monthIndex(window.from) && monthIndex(month) <= monthIndex(window.to);
  return marketingKpiReport(
    opportunities.filter((o) => inWindow(monthOf(o.created_at))), contracts, accounts, spend.filter((s) => inWindow(s.month)),
    { ...options, window },
  );
}

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
import { escape, from, op, table, type ColumnTable } from 'arquero';
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

// arquero reads the text of the functions given to its verbs and compiles it
// against the table: a closure's variables do not reach it. Outside values go
// in through `params` ($), and a function that needs this module's helpers
// through `escape`.

/** A row as an arquero expression sees it. */
type D = Record<string, any>;

/** The cuts of every KPI: each rollup below groups first by `cut`, the cut's key. */
const CUTS = {
  overall: { cut: () => 'all' },
  bySegment: { cut: (d: D) => d.segment },
  byRegion: { cut: (d: D) => d.region },
};
type Cut = keyof typeof CUTS;
const CUT_NAMES = Object.keys(CUTS) as Cut[];

/** `values` rolled up per cut and, within a cut, per `keys`: the rollup's rows by the cut's key. */
function rollupByCut<R>(t: ColumnTable, keys: string[], values: Parameters<ColumnTable['rollup']>[0]): Record<Cut, Map<string, R[]>> {
  const out = {} as Record<Cut, Map<string, R[]>>;
  for (const cut of CUT_NAMES) {
    out[cut] = t.groupby(CUTS[cut], keys).rollup(values).groupby('cut').objects({ grouped: 'map' }) as unknown as Map<string, R[]>;
  }
  return out;
}

/** Each cut's keys, in code-unit order (the order of a Record's keys in the report); overall always has its one. */
const cutKeys = (cut: Cut, rows: Map<string, unknown>): string[] => (cut === 'overall' ? ['all'] : sortedKeys(rows.keys()));
const sortedKeys = (keys: Iterable<string>): string[] => [...keys].sort((a, b) => (a < b ? -1 : 1));
const sortedBy = <T>(rows: readonly T[], key: (r: T) => string): T[] => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));

const OPPORTUNITY_COLUMNS = ['opportunity_id', 'account_id', 'stage', 'lead_source'];
const CONTRACT_COLUMNS = ['contract_id', 'opportunity_id', 'previous_contract_id', 'acv_usd'];

/**
 * One row per opportunity, joined to its family: the segment and region of
 * its account's top parent (an account the accounts do not list is
 * '(unknown)' in both). `lookup` keeps the opportunities in their order, so
 * a sum over the table adds in the order they came, as a loop over them would.
 */
function opportunityTable(
  opportunities: readonly KpiOpportunity[], accounts: readonly KpiAccount[], columns = OPPORTUNITY_COLUMNS,
): { opps: ColumnTable; cycles: string[][] } {
  const { topParent, cycles } = rollUpAccounts(accounts);
  const ids = accounts.map((a) => a.account_id);
  const families = table({ account_id: ids, top: ids.map((id) => topParent.get(id)) })
    .lookup(from(accounts, ['account_id', 'segment', 'region']), ['top', 'account_id'], ['segment', 'region']);
  const opps = from(opportunities, columns)
    .lookup(families, 'account_id', ['segment', 'region'])
    .params({ unknownSegment: UNKNOWN_SEGMENT, unknownRegion: UNKNOWN_REGION })
    .impute({ segment: (_: D, $: D) => $.unknownSegment, region: (_: D, $: D) => $.unknownRegion })
    .derive({ marketing: (d: D) => d.lead_source !== null });
  return { opps, cycles };
}

/** First contracts (no previous contract) that name their opportunity. */
const firstContracts = (contracts: readonly KpiContract[], columns = CONTRACT_COLUMNS): ColumnTable =>
  from(contracts, columns).filter((d: D) => d.previous_contract_id === null && d.opportunity_id !== null);

/** The first contracts of marketing-sourced opportunities, each with its opportunity's family. */
const marketingFirsts = (firsts: ColumnTable, opps: ColumnTable): ColumnTable =>
  firsts.lookup(opps, 'opportunity_id', ['segment', 'region', 'marketing']).filter((d: D) => d.marketing);

/** Opportunities by stage, and the win rate over the decided ones. */
const STAGE_COUNTS = {
  opportunities: op.count(),
  won: (d: D) => op.sum(d.stage === 'won'),
  lost: (d: D) => op.sum(d.stage === 'lost'),
  open: (d: D) => op.sum(d.stage === 'open'),
};
type StageCounts = { opportunities: number; won: number; lost: number; open: number };
const winRateOf = (r: StageCounts): LeadSourceWinRate =>
  ({ opportunities: r.opportunities, won: r.won, lost: r.lost, open: r.open, winRate: r.won + r.lost ? r.won / (r.won + r.lost) : null });

/** One rollup row per cut and lead source (null for the opportunities without one). */
type SourceRow = StageCounts & { lead_source: string | null };

/**
 * The KpiSet of every cut, from the opportunities by cut and lead source (so
 * a cut without marketing leads is there) and the marketing first
 * contracts' ACV by cut.
 */
function kpiSets(
  byLeadSource: Record<Cut, Map<string, SourceRow[]>>, acv: Record<Cut, Map<string, { acv?: number }[]>>, thresholds: KpiThresholds,
): Record<Cut, Record<string, KpiSet>> {
  const out = {} as Record<Cut, Record<string, KpiSet>>;
  for (const cut of CUT_NAMES) {
    out[cut] = {};
    for (const key of cutKeys(cut, byLeadSource[cut])) {
      const marketing = sortedBy((byLeadSource[cut].get(key) ?? []).filter((r) => r.lead_source !== null), (r) => r.lead_source!);
      const leads = marketing.reduce((n, r) => n + r.opportunities, 0);
      const wonDeals = marketing.reduce((n, r) => n + r.won, 0);
      const marketingAcv = acv[cut].get(key)?.[0].acv ?? 0;
      const perLead = leads ? marketingAcv / leads : null;
      const winRateByLeadSource: Record<string, LeadSourceWinRate> = {};
      for (const r of marketing) winRateByLeadSource[r.lead_source!] = winRateOf(r);
      out[cut][key] = {
        marketingLeads: leads,
        marketingAcv,
        acvPerMarketingLead: perLead,
        band: perLead === null ? null : kpiBand(perLead, thresholds),
        marketingWonDeals: wonDeals,
        acvPerMarketingWonDeal: wonDeals ? marketingAcv / wonDeals : null,
        winRateByLeadSource,
      };
    }
  }
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
  const { opps, cycles } = opportunityTable(opportunities, accounts);
  const byLeadSource = rollupByCut<SourceRow>(opps, ['lead_source'], STAGE_COUNTS);
  const acv = rollupByCut<{ acv: number }>(marketingFirsts(firstContracts(contracts), opps), [], { acv: op.sum('acv_usd') });
  const sets = kpiSets(byLeadSource, acv, thresholds);
  return { overall: sets.overall.all, bySegment: sets.bySegment, byRegion: sets.byRegion, accountCycles: cycles };
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
  const window = options.window ?? defaultWindow(spend);
  const inWindow = (month: string) =>
    window === null || (monthIndex(month) >= monthIndex(window.from) && monthIndex(month) <= monthIndex(window.to));
  const channelOf = (leadSource: string) => options.channelOfLeadSource?.[leadSource] ?? leadSource;
  const churned = churnedChains(contracts, options.asOf);

  const firsts = firstContracts(contracts);
  const firstAcv = firsts.groupby('opportunity_id').rollup({ first_acv: op.sum('acv_usd') });
  const { opps: base, cycles } = opportunityTable(opportunities, accounts, [...OPPORTUNITY_COLUMNS, 'created_at', 'closed_at']);
  const opps = base
    .derive({
      days: escape((d: D) => (d.stage === 'won' && d.closed_at !== null ? (toMs(d.closed_at) - toMs(d.created_at)) / DAY_MS : null)),
      // The channel a won marketing deal closed in the window is credited to; null for every other opportunity.
      channel: escape((d: D) => (d.marketing && d.stage === 'won' && d.closed_at !== null && inWindow(monthOf(d.closed_at)) ? channelOf(d.lead_source) : null)),
    })
    .lookup(firstAcv, 'opportunity_id', ['first_acv']);
  const marketing = marketingFirsts(firsts, opps).derive({ churned: escape((d: D) => churned(d.contract_id)) });

  const byLeadSource = rollupByCut<SourceRow & { days: number[] }>(opps, ['lead_source'], { ...STAGE_COUNTS, days: op.array_agg('days') });
  const channels = rollupByCut<{ channel: string; wonDeals: number; wonAcv?: number }>(
    opps.filter((d: D) => d.channel !== null), ['channel'], { wonDeals: op.count(), wonAcv: op.sum('first_acv') });
  // A churned chain adds 0 to the net and a live one 0 to the churned: x + 0 is x, so both sums are those of the contracts they keep.
  const acv = rollupByCut<{ acv: number; netAcv: number; churnedAcv: number; churnedContracts: number }>(marketing, [], {
    acv: op.sum('acv_usd'),
    netAcv: (d: D) => op.sum(d.churned ? 0 : d.acv_usd),
    churnedAcv: (d: D) => op.sum(d.churned ? d.acv_usd : 0),
    churnedContracts: (d: D) => op.sum(d.churned),
  });
  const spendByChannel = new Map(from(spend, ['month', 'channel', 'amount_usd'])
    .filter(escape((s: D) => inWindow(s.month)))
    .groupby('channel').rollup({ spendUsd: op.sum('amount_usd') })
    .objects().map((r) => [(r as D).channel as string, (r as D).spendUsd as number]));
  const sets = kpiSets(byLeadSource, acv, thresholds);

  const finishCut = (cut: Cut, key: string, set: KpiSet): MarketingKpiSet => {
    const c = acv[cut].get(key)?.[0] ?? { netAcv: 0, churnedAcv: 0, churnedContracts: 0 };
    const perLead = set.marketingLeads ? c.netAcv / set.marketingLeads : null;
    const won = new Map((channels[cut].get(key) ?? []).map((r) => [r.channel, r]));
    const acvPerDollarByChannel: Record<string, ChannelAcvPerDollar> = {};
    for (const ch of sortedKeys(new Set([...spendByChannel.keys(), ...won.keys()]))) {
      const spendUsd = spendByChannel.get(ch) ?? 0;
      const w = won.get(ch);
      const wonAcv = w?.wonAcv ?? 0;
      acvPerDollarByChannel[ch] = { spendUsd, wonDeals: w?.wonDeals ?? 0, wonAcv, acvPerDollar: spendUsd > 0 ? wonAcv / spendUsd : null };
    }
    const sources = new Map<string, StageCounts & { days: number[] }>();
    for (const r of byLeadSource[cut].get(key) ?? []) {
      const src = r.lead_source ?? NO_LEAD_SOURCE;
      const same = sources.get(src);
      // Only a lead source that is itself named NO_LEAD_SOURCE meets the opportunities without one here.
      sources.set(src, same ? { opportunities: same.opportunities + r.opportunities, won: same.won + r.won, lost: same.lost + r.lost,
        open: same.open + r.open, days: [...same.days, ...r.days] } : r);
    }
    const bySource: Record<string, SourceStats> = {};
    for (const src of sortedKeys(sources.keys())) {
      const r = sources.get(src)!;
      bySource[src] = {
        ...winRateOf(r),
        velocity: { wonDeals: r.days.length, meanDays: r.days.length ? mean(r.days) : null, medianDays: r.days.length ? median(r.days) : null },
      };
    }
    return {
      ...set,
      netOfChurn: {
        marketingAcv: c.netAcv, churnedAcv: c.churnedAcv, churnedContracts: c.churnedContracts,
        acvPerMarketingLead: perLead, band: perLead === null ? null : kpiBand(perLead, thresholds),
      },
      acvPerDollarByChannel,
      bySource,
    };
  };
  const finishAll = (cut: Cut) => {
    const out: Record<string, MarketingKpiSet> = {};
    for (const [k, s] of Object.entries(sets[cut])) out[k] = finishCut(cut, k, s);
    return out;
  };
  return {
    overall: finishCut('overall', 'all', sets.overall.all),
    bySegment: finishAll('bySegment'),
    byRegion: finishAll('byRegion'),
    accountCycles: cycles,
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

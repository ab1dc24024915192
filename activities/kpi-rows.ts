import type { Selectable } from 'kysely';
import type { KpiThresholds, MarketingKpiReport, MarketingKpiSet } from '../models/kpi';
import type { Database } from '../sql/database';

/**
 * A row of `kpis` without its run (score adds it), the shape sql/tables/outputs.ts
 * declares; its detail is any object, which COPY writes as JSON.
 */
export type KpiRow = Omit<Selectable<Database['kpis']>, 'run_id' | 'detail'> & { detail: unknown };

/**
 * The KPI report as rows of `kpis`: overall (dimension 'all'), by segment and
 * by region of the top parent; per-source and per-channel KPIs carry the cut
 * in the dimension ('lead_source', 'segment/lead_source', ...). With a
 * `history` (the same report over the trailing twelve months, see
 * `trailingKpiReport`), each ACV-per-marketing-lead row carries it beside its
 * band: the company's own recent level is what a reviewer can act on when
 * the bands are far from the company's scale.
 */
export function kpiRows(report: MarketingKpiReport, thresholds: KpiThresholds, history?: MarketingKpiReport): KpiRow[] {
  const out: KpiRow[] = [];
  /** The same KPI over the trailing window, and how far the run's value is from it (value / history − 1; null without a history value). */
  const historyOf = (value: number | null, h: { value: number | null; band: string | null; marketingLeads: number; marketingAcv: number } | undefined) => {
    if (!history) return {};
    const base = h ?? { value: null, band: null, marketingLeads: 0, marketingAcv: 0 };
    const change = value === null || base.value === null || base.value === 0 ? null : value / base.value - 1;
    return { history: { window: history.window, ...base, change } };
  };
  const push = (dimension: string, key: string, s: MarketingKpiSet, h: MarketingKpiSet | undefined) => {
    const sub = (what: string) => (dimension === 'all' ? what : `${dimension}/${what}`);
    const subKey = (k: string) => (dimension === 'all' ? k : `${key}/${k}`);
    out.push({ name: 'acv_from_marketing_leads', dimension, key, value: s.acvPerMarketingLead,
      detail: { band: s.band, marketingLeads: s.marketingLeads, marketingAcv: s.marketingAcv, thresholds,
        ...historyOf(s.acvPerMarketingLead, h && { value: h.acvPerMarketingLead, band: h.band, marketingLeads: h.marketingLeads, marketingAcv: h.marketingAcv }) } });
    out.push({ name: 'acv_from_marketing_leads_net_of_churn', dimension, key, value: s.netOfChurn.acvPerMarketingLead,
      detail: { band: s.netOfChurn.band, marketingAcv: s.netOfChurn.marketingAcv, churnedAcv: s.netOfChurn.churnedAcv,
        churnedContracts: s.netOfChurn.churnedContracts, thresholds,
        ...historyOf(s.netOfChurn.acvPerMarketingLead, h && { value: h.netOfChurn.acvPerMarketingLead, band: h.netOfChurn.band,
          marketingLeads: h.marketingLeads, marketingAcv: h.netOfChurn.marketingAcv }) } });
    out.push({ name: 'acv_per_marketing_won_deal', dimension, key, value: s.acvPerMarketingWonDeal, detail: { marketingWonDeals: s.marketingWonDeals } });
    for (const [source, w] of Object.entries(s.bySource)) {
      const { velocity, ...winRate } = w;
      out.push({ name: 'win_rate_by_lead_source', dimension: sub('lead_source'), key: subKey(source), value: w.winRate, detail: winRate });
      out.push({ name: 'deal_velocity_days', dimension: sub('lead_source'), key: subKey(source), value: velocity.meanDays, detail: velocity });
    }
    for (const [channel, c] of Object.entries(s.acvPerDollarByChannel)) {
      out.push({ name: 'acv_per_dollar', dimension: sub('channel'), key: subKey(channel), value: c.acvPerDollar, detail: { ...c, window: report.window } });
    }
  };
  push('all', 'all', report.overall, history?.overall);
  for (const [k, s] of Object.entries(report.bySegment)) push('segment', k, s, history?.bySegment[k]);
  for (const [k, s] of Object.entries(report.byRegion)) push('region', k, s, history?.byRegion[k]);
  return out;
}

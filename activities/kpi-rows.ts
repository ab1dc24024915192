import type { KpiThresholds, MarketingKpiReport, MarketingKpiSet } from '../models/kpi';

export interface KpiRow { name: string; dimension: string; key: string; value: number | null; detail: unknown }

/**
 * The KPI report as rows of `kpis`: overall (dimension 'all'), by segment and
 * by region of the top parent; per-source and per-channel KPIs carry the cut
 * in the dimension ('lead_source', 'segment/lead_source', ...).
 */
export function kpiRows(report: MarketingKpiReport, thresholds: KpiThresholds): KpiRow[] {
  const out: KpiRow[] = [];
  const push = (dimension: string, key: string, s: MarketingKpiSet) => {
    const sub = (what: string) => (dimension === 'all' ? what : `${dimension}/${what}`);
    const subKey = (k: string) => (dimension === 'all' ? k : `${key}/${k}`);
    out.push({ name: 'acv_from_marketing_leads', dimension, key, value: s.acvPerMarketingLead,
      detail: { band: s.band, marketingLeads: s.marketingLeads, marketingAcv: s.marketingAcv, thresholds } });
    out.push({ name: 'acv_from_marketing_leads_net_of_churn', dimension, key, value: s.netOfChurn.acvPerMarketingLead,
      detail: { band: s.netOfChurn.band, marketingAcv: s.netOfChurn.marketingAcv, churnedAcv: s.netOfChurn.churnedAcv,
        churnedContracts: s.netOfChurn.churnedContracts, thresholds } });
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
  push('all', 'all', report.overall);
  for (const [k, s] of Object.entries(report.bySegment)) push('segment', k, s);
  for (const [k, s] of Object.entries(report.byRegion)) push('region', k, s);
  return out;
}

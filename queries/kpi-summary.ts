import { pct, usd } from '../lib/format';

/** An ACV-per-marketing-lead KPI as `show --json` holds it (the kpis row's value and detail). */
export interface LeadKpi {
  value?: number | null;
  band?: string | null;
  thresholds?: { strong: number; moderate: number };
  history?: { window: { from: string; to: string } | null; value: number | null; marketingLeads: number; change: number | null };
}

/**
 * The band and the bands it was judged by, e.g. "underperforming (strong ≥
 * $1,000,000, moderate ≥ $500,000)": a band means little without the bar the
 * run's config set.
 */
export function bandText(k: LeadKpi): string {
  const band = k.band ?? '—';
  return k.thresholds ? `${band} (strong ≥ ${usd(k.thresholds.strong)}, moderate ≥ ${usd(k.thresholds.moderate)})` : band;
}

/**
 * The same KPI over the twelve months before the run's month and how far the
 * run is from it, e.g. "2025-10 – 2026-09: $79,000 per lead over 310 leads (this run +5.1%; …)";
 * null for a run scored before the history was kept.
 */
export function historyText(k: LeadKpi): string | null {
  const h = k.history;
  if (!h) return null;
  const window = h.window ? `${h.window.from} – ${h.window.to}` : 'the twelve months before';
  if (h.value === null || h.value === undefined) return `${window}: no marketing leads`;
  // The run counts every lead to date; the window's newest leads have had less time to close, so a gap is partly their age.
  const change = h.change === null ? '' : ` (this run ${h.change >= 0 ? '+' : ''}${pct(h.change)}; the window's newest leads have had less time to close)`;
  return `${window}: ${usd(h.value)} per lead over ${h.marketingLeads} leads${change}`;
}

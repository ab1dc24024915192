/**
 * The report's finance section (issue 17, parts 1-3): what was signed,
 * billed and collected. The headline figures over the twelve months to the
 * run's month (billed, collected, DSO, overdue), the active contracts billed
 * furthest behind what they earned (leakage), the gross margin each lead
 * source brought in and per dollar of its channel's spend, and time to value
 * by segment. Read back as stored (queries/finance.ts), only formatted here.
 */
import type { ChannelMarginLine, FinanceOverview, TimeToValueLine } from '../queries/finance';
import { pct, usd } from '../lib/format';
import { renderSvg } from './charts';
import { esc } from './escape';
import { table } from './table';

/** The sentence of a run without finance. */
export const NO_FINANCE = '<p class="empty">This run stored no contract finance: it ran before finance was stored, or has not reached that step yet.</p>';

/**
 * The section's body from the run's finance (`RunReport.finance`); one sentence when it has none.
 * @example await financeSectionHtml(null) // NO_FINANCE
 */
export async function financeSectionHtml(f: FinanceOverview | null): Promise<string> {
  if (!f) return NO_FINANCE;
  const spec = marginPerDollarChart(f.grossMarginByChannel);
  const svg = spec ? await renderSvg(spec) : null;
  return `${headlineHtml(f)}
    <h3>Billed behind what was earned</h3>${leakageHtml(f)}
    <h3>Gross margin by channel</h3>${marginHtml(f, svg)}
    <h3>Time to value by segment</h3>${timeToValueHtml(f.timeToValue)}`;
}

const days = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : String(Math.round(x * 10) / 10));
const ratio = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(2));
const invoices = (n: number) => `${n} invoice${n === 1 ? '' : 's'}`;

/** Billed, collected and its share, DSO and overdue, in one paragraph. */
function headlineHtml(f: FinanceOverview): string {
  return `<p class="headline">Billed ${esc(usd(f.billed))}, collected ${esc(usd(f.collected))} (${esc(pct(f.collectedShare))}), DSO ${f.dsoDays === null ? '—' : `${esc(days(f.dsoDays))} days`}.</p>
    <p>Over the ${esc(invoices(f.invoices))} issued from ${esc(f.window.from)} to ${esc(f.window.to)}, in USD at the rate of each invoice's issue month;
    DSO is the mean of days from issue to payment over the paid ones, weighted by amount. Overdue at ${esc(f.window.asOf)}: ${esc(invoices(f.overdue.count))},
    ${esc(usd(f.overdue.amount))} (unpaid past the due date, or after ${esc(f.overdueDays)} days for an invoice without one).</p>`;
}

/** The active contracts' billing to date against what they earned, and the largest gaps. */
function leakageHtml(f: FinanceOverview): string {
  const b = f.billedVsContracted;
  const intro = `<p>Active contracts earned ${esc(usd(b.expected))} to date (their value times the elapsed share of their term) and were billed ${
    esc(usd(b.billed))}; those billed behind what they earned leak ${esc(usd(b.leakage))}.</p>`;
  return intro + table(['rank', 'contract', 'account', 'term elapsed', 'earned', 'billed', 'gap'],
    b.largest.map((l) => [l.rank, l.contractId, l.accountId, pct(l.elapsed), usd(l.expected), usd(l.billed), usd(l.gap)]),
    { numeric: [true, false, false, true, true, true, true] });
}

/** Each lead source's annual gross margin and its margin per dollar of spend, as a chart (when any has spend) and a table. */
function marginHtml(f: FinanceOverview, svg: string | null): string {
  const intro = `<p>Active contracts by the lead source of their opportunity: ACV less the annual cost to serve (USD at the start month's rate),
    and that margin per dollar of the channel's spend from ${esc(f.window.from)} to ${esc(f.window.to)}.</p>`;
  return `${intro}${svg ? `<figure class="chart">${svg}</figure>` : ''}${table(
    ['lead source', 'channel', 'contracts', 'ACV', 'cost to serve', 'gross margin', 'spend', 'margin per $'],
    f.grossMarginByChannel.map((m) => [m.leadSource, m.channel ?? '—', m.contracts, usd(m.acv), usd(m.costToServe), usd(m.margin), usd(m.spend),
      ratio(m.marginPerDollar)]),
    { numeric: [false, false, true, true, true, true, true, true] })}`;
}

/** A bar per lead source with spend: its gross margin per dollar; null when none has spend. */
export function marginPerDollarChart(lines: readonly ChannelMarginLine[]): Record<string, unknown> | null {
  // Each bar says what it is in words (its aria-label), for a screen reader and a reader of the SVG's text.
  const values = lines.filter((m) => m.marginPerDollar !== null && Number.isFinite(m.marginPerDollar))
    .map((m) => ({ source: m.leadSource, perDollar: m.marginPerDollar!, description: `${m.leadSource}: ${ratio(m.marginPerDollar)} of gross margin per dollar of spend` }));
  if (!values.length) return null;
  return {
    title: { text: 'Annual gross margin of active contracts per dollar of the last 12 months\' spend, by lead source', anchor: 'start' },
    data: { values }, width: 560, height: 220, mark: 'bar',
    encoding: {
      x: { field: 'source', type: 'nominal', title: null, sort: null, axis: { labelAngle: -30 } },
      y: { field: 'perDollar', type: 'quantitative', title: 'gross margin per dollar', axis: { format: '.2f' } },
      color: { value: '#1565c0' },
      description: { field: 'description' },
    },
  };
}

/** Per segment and over all: median days to active usage over the valued first contracts, how many are counted and how many still pending. */
function timeToValueHtml(ttv: FinanceOverview['timeToValue']): string {
  const lines: TimeToValueLine[] = [...ttv.bySegment, ...(ttv.overall ? [ttv.overall] : [])];
  const uncounted = ttv.overall ? ttv.overall.noUsage + ttv.overall.beforeUsage : 0;
  return `<p>Days from a customer's first contract to the first month its usage shows active users; pending contracts have usage rows but no active month yet.</p>${
    table(['segment', 'first contracts', 'valued', 'median days', 'pending'],
      lines.map((t) => [t.segment, t.contracts, t.valued, days(t.medianDays), t.pending]), { numeric: [false, true, true, true, true] })}${
    uncounted ? `<p class="note">Not counted: ${esc(ttv.overall!.noUsage)} first contracts whose account has no usage rows, ${
      esc(ttv.overall!.beforeUsage)} started before usage.csv begins.</p>` : ''}`;
}

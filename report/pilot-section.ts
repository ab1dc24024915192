/**
 * The report's pilot section (issue 17, part 6): a pilot run says so first,
 * with its scope, what it changes (its own outputs only: no champion, no
 * budget) and how its rows were cut from the drop, then its KPIs beside
 * those of the organisation-wide last approved run. Read from
 * `RunReport.pilot` (queries/pilot.ts), escaped, only formatted here.
 */
import { pilotRowsText } from '../lib/run-scope';
import type { PilotOverview } from '../queries/pilot';
import { usd } from '../lib/format';
import { esc } from './escape';
import { table } from './table';

const ratio = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(2));
const label = (name: string) => name.replace(/_/g, ' ');

/**
 * The section's body for a pilot; empty for an organisation-wide run (no section).
 * @example pilotSectionHtml(null) // ''
 */
export function pilotSectionHtml(p: PilotOverview | null): string {
  if (!p) return '';
  const org = p.orgWide ? `<code>${esc(p.orgWide.runId)}</code> (${esc(p.orgWide.month)})` : null;
  const intro = `<p class="headline">A pilot on ${esc(p.described)}: it publishes its own outputs and never moves the organisation-wide champion or budget.</p>
    <p>Its rows: ${esc(pilotRowsText(p.scope))}.
    ${org ? `Beside it: the organisation-wide last approved run ${org}.` : 'No organisation-wide run is approved yet to read it beside.'}</p>`;
  const kpis = table(['KPI', 'pilot', 'organisation-wide'],
    [...p.kpis.map((k) => [label(k.name), usd(k.pilot), usd(k.orgWide)]),
      ['active contracts scored', p.contractsScored.pilot, p.contractsScored.orgWide ?? '—']],
    { numeric: [false, true, true] });
  const perDollar = table(['channel', 'ACV per $ (pilot)', 'ACV per $ (organisation-wide)'],
    p.acvPerDollar.map((c) => [c.channel, ratio(c.pilot), ratio(c.orgWide)]), { numeric: [false, true, true] });
  return `${intro}${kpis}<h3>ACV per dollar spent, by channel</h3>${perDollar}`;
}

import { pilotRowsText } from '../lib/run-scope';
import type { PilotOverview } from '../queries/pilot';
import { usd } from '../lib/format';
import { table } from './output';

const ratio = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(2));

/**
 * What `show` prints of a pilot run (issue 17, part 6), right under its
 * header: the scope, that it moves no champion or budget, and its KPIs
 * beside the organisation-wide last approved run's.
 * @example pilotLines(report.pilot!) // ['Pilot run on region=EMEA: …', …]
 */
export function pilotLines(p: PilotOverview): string[] {
  return [
    `Pilot run on ${p.described}: its own outputs only; the organisation-wide champion and budget stay. Its rows: ${pilotRowsText(p.scope)}.`,
    p.orgWide ? `KPIs beside the organisation-wide last approved run ${p.orgWide.runId} (${p.orgWide.month})` : 'No organisation-wide run is approved yet to compare with',
    table(['KPI', 'pilot', 'organisation-wide'], [
      ...p.kpis.map((k) => [k.name.replace(/_/g, ' '), usd(k.pilot), usd(k.orgWide)]),
      ['active contracts scored', p.contractsScored.pilot, p.contractsScored.orgWide ?? '—'],
      ...p.acvPerDollar.map((c) => [`ACV per $, ${c.channel}`, ratio(c.pilot), ratio(c.orgWide)]),
    ]),
  ];
}

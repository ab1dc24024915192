/**
 * The summary as the page's first section: what is asked, the largest
 * changes, ROI against break-even (a chart beside a table that says the
 * same in words, so colour is never the only signal), and what to check,
 * each check linking to the section that shows it.
 */
import { ratioRange } from '../lib/format';
import { roiChart, renderSvg } from './charts';
import { esc } from './escape';
import { table } from './table';
import type { DecisionSummary } from './summary';

export async function summarySection(s: DecisionSummary): Promise<string> {
  const spec = roiChart(s.roi.map((x) => ({ channel: x.channel, roi: x.roi, low: x.interval?.[0] ?? null, high: x.interval?.[1] ?? null, standing: x.standing })));
  const roiSvg = spec ? await renderSvg(spec) : null;
  const asked = `<p class="ask"><strong>${esc(s.asked.headline)}</strong></p>${s.asked.items.length ? `<ul class="asked">${s.asked.items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>` : ''}`;
  const changes = `<h3>Largest changes since the last approved run${s.changes.previousRunId ? ` (<code>${esc(s.changes.previousRunId)}</code>)` : ''}</h3>${
    s.changes.lines.length ? `<ol class="changes">${s.changes.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ol>` : ''}${s.changes.note ? `<p>${esc(s.changes.note)}</p>` : ''}`;
  const roiTable = table(['channel', 'ROI', '80% interval', 'against break-even (1)'],
    s.roi.map((x) => [x.channel, x.roi.toFixed(2), x.interval ? ratioRange(x.interval) : 'not kept', x.standing]),
    { numeric: [false, true, false, false], rowClass: (i) => `standing-${s.roi[i].standing.split(' ')[0]}` });
  const roi = `<h3>Return on each channel's spend against break-even</h3>
    <p class="note">ROI is the incremental ACV the media-mix model attributes to a dollar of the channel's spend; above or below break-even only when the whole 80% interval is, otherwise it cannot tell.</p>
    ${s.roi.length ? `<div class="pair">${roiSvg ? `<figure class="chart roi">${roiSvg}</figure>` : ''}<div class="roi-table">${roiTable}</div></div>` : '<p class="empty">No channel had spend to judge.</p>'}`;
  const checks = `<h3>What to check before you sign</h3>${s.checks.length
    ? `<ul class="checks">${s.checks.map((c) => `<li>${esc(c.text)} <a href="#${esc(c.section)}">See ${esc(c.section)}</a></li>`).join('')}</ul>`
    : '<p>Nothing beyond the detail below.</p>'}`;
  return `<section id="summary"><h2>The decision</h2>${asked}${changes}${roi}${checks}<p class="note">The detail follows; the decision is at the <a href="#decision">bottom of the page</a>.</p></section>`;
}

/**
 * The report's model card: what the run's incrementality estimate assumes,
 * in the sentences `acvloop models show` prints (models/mmm-card.ts), and
 * the forecast's backtest coverage beside its target for the forecast
 * section. The page only reads.
 */
import { versionCard } from '../governance/model-card';
import type { Db } from '../sql/db';
import { esc } from './escape';

export interface ModelCardHtml {
  /** The body of the "What the incrementality estimate assumes" section. */
  assumptions: string;
  /** For the forecast section: where its ranges come from, and its backtest coverage against the target. */
  coverage: string;
}

export async function modelCardHtml(handle: Db, runId: string): Promise<ModelCardHtml> {
  const v = await handle.db.selectFrom('model_versions').select(['model_version_id', 'params', 'metrics'])
    .where('run_id', '=', runId).where('family', '=', 'incrementality').executeTakeFirst();
  if (!v) return { assumptions: '<p class="empty">This run holds no incrementality version yet.</p>', coverage: '' };
  const { card, coverage } = await versionCard(handle, { version: v.model_version_id, family: 'incrementality', runId, params: v.params, metrics: v.metrics });
  const coverageP = `<p class="coverage">${esc(coverage?.sentence ?? 'Forecast backtest: none recorded for this run yet.')}</p>`;
  if (!card) return { assumptions: '<p class="empty">No model card for this version.</p>', coverage: coverageP };
  // The coverage sentence sits in the forecast section, beside where the forecast's ranges come from.
  const lines = card.lines.filter((l) => l !== coverage?.sentence);
  const uncertainty = card.lines.find((l) => l.startsWith('The forecast made from this estimate'));
  const forecast = `${uncertainty ? `<p>${esc(uncertainty)} <a href="#assumptions">What the estimate assumes</a>.</p>` : ''}${coverageP}`;
  const channels = card.channels.length ? `<h3>Each channel</h3><ul class="card-channels">${card.channels.map((c) => {
    const prefix = `${c.channel}: `;
    const body = c.text.startsWith(prefix) ? c.text.slice(prefix.length) : c.text;
    return `<li${c.identified === false ? ' class="held"' : ''}><strong>${esc(c.channel)}</strong>: ${esc(body)}</li>`;
  }).join('')}</ul>` : '';
  return {
    assumptions: `<p class="note">Model card of <code>${esc(v.model_version_id)}</code> (<code>acvloop models show ${esc(v.model_version_id)}</code> prints the same).</p>${
      lines.map((l) => `<p>${esc(l)}</p>`).join('')}${channels}`,
    coverage: forecast,
  };
}

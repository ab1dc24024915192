/**
 * The top of the reviewer's page: the decision before the detail. What the
 * run asks sign-off for (which families to promote, which budget move, which
 * drift), the largest changes since the last approved run in words, where
 * each channel's ROI stands against break-even, and what a reviewer must
 * check before signing. A pure function of the run's read model: it words
 * what Postgres holds and computes nothing new.
 *
 * @example
 * roiStanding(1.4, [1.1, 1.8]) // 'above break-even'
 * roiStanding(0.9, [0.6, 1.2]) // 'cannot tell'
 * decisionSummary(report).asked // { headline: '2 approvers must sign off on:', items: ['Promote the new renewal model: …', …] }
 */
import type { ApprovalRequest, ChannelChange } from '../activities/approval';
import { disagreeingTests, unidentifiedChannels, type RunReport } from '../queries/run-report';
import { pct, usd } from '../lib/format';

export type RoiStanding = 'above break-even' | 'below break-even' | 'cannot tell';

export interface RoiRow {
  channel: string;
  roi: number;
  /** The 80% interval of the bootstrap draws, or null for rows written before it was kept. */
  interval: [number, number] | null;
  standing: RoiStanding;
}

/** A thing to check, and the section of the page that shows it. */
export interface Check { text: string; section: string }

export interface DecisionSummary {
  asked: { headline: string; items: string[] };
  changes: { previousRunId: string | null; lines: string[]; note: string | null };
  roi: RoiRow[];
  checks: Check[];
}

/**
 * Where a channel's ROI stands against 1, judged on its interval, not its
 * point: above only when the whole interval is above 1, below only when all
 * of it is below, and `cannot tell` when it reaches 1 or when no interval
 * was kept (a point alone cannot say). Null when the channel had no spend.
 */
export function roiStanding(roi: number | null, interval: [number, number] | null): RoiStanding | null {
  if (roi === null || !Number.isFinite(roi)) return null;
  if (!interval) return 'cannot tell';
  if (interval[0] > 1) return 'above break-even';
  if (interval[1] < 1) return 'below break-even';
  return 'cannot tell';
}

/** Everything the summary says, as plain text (the page escapes it). */
export function decisionSummary(r: RunReport): DecisionSummary {
  const roi = Object.entries(r.incrementality).flatMap(([channel, i]) => {
    const standing = roiStanding(i.roi, i.roiInterval);
    return standing && i.roi !== null ? [{ channel, roi: i.roi, interval: i.roiInterval, standing }] : [];
  });
  return { asked: whatIsAsked(r), changes: largestChanges(r.approvalRequest?.changes ?? null), roi, checks: checksFor(r, roi) };
}

/** What the run asks of its reviewers, in the words of its approval request. */
function whatIsAsked(r: RunReport): DecisionSummary['asked'] {
  const req = r.approvalRequest;
  const decided = r.approval ? ` It was ${r.approval.decision} by ${r.approval.reviewer ?? '—'} at ${r.approval.at}.` : '';
  if (!req) {
    return r.status === 'running'
      ? { headline: 'Nothing is asked yet: the run has not reached the approval gate.', items: [] }
      : { headline: `No approval request was recorded for this run (a run of an earlier release): it needs sign-off as a whole.${decided}`, items: [] };
  }
  const signOff = req.signOff as ApprovalRequest['signOff'];
  const budget = signOff.budget;
  const moves = budgetMoves(r);
  if (req.requiredApprovers === 0) {
    return {
      headline: `Nothing needs sign-off: no model to promote, no drift, and the budget moves ${budget.share === null ? 'nothing' : `${pct(budget.share)} of spend`},`
        + ` within the ${pct(budget.threshold, 0)} that needs approvers. It applies and is logged.${decided}`,
      items: moves ? [`The budget move that applies: ${moves}.`] : [],
    };
  }
  const items: string[] = [];
  // Families the gate passed for the same reason are one line: five "every check passed" say it once.
  const byReason = new Map<string, string[]>();
  for (const family of signOff.promotion) {
    const reason = r.gate?.families[family]?.reason ?? '';
    byReason.set(reason, [...(byReason.get(reason) ?? []), family]);
  }
  for (const [reason, families] of byReason) {
    const names = families.length === 1 ? families[0] : `${families.slice(0, -1).join(', ')} and ${families[families.length - 1]}`;
    items.push(`Promote the new ${names} model${families.length === 1 ? '' : 's'}${reason ? `: ${reason}` : ''}.`);
  }
  // A run older than a champion's keeps that champion unless the approver asks: the reviewer must know which.
  if (signOff.champion?.kept.length) items.push(`${signOff.champion.text.replace(/^./, (c) => c.toUpperCase())}.`);
  if (budget.share !== null) {
    items.push(`Apply the budget move of ${pct(budget.share)} of monthly spend, ${budget.beyondGuardrails
      ? `beyond the ${pct(budget.threshold, 0)} guardrail, so it needs sign-off of its own`
      : `within the ${pct(budget.threshold, 0)} guardrail, so it applies with this sign-off`}${moves ? `: ${moves}` : ''}.`);
  }
  const drift = signOff.drift;
  if (drift && asksDriftSignOff(signOff)) {
    const what = drift.driftedFeatures.length ? drift.driftedFeatures : drift.driftedSources;
    items.push(`Sign off on drift: ${[
      what.length ? `${listed(what)} drifted from the reference` : '',
      drift.rowAnomalies.length ? `row counts out of line in ${drift.rowAnomalies.join(', ')}` : '',
    ].filter(Boolean).join('; ')}.`);
  }
  // A lift test the model disagrees with decided its channel's estimate: the reviewer signs knowing it rests on that test.
  for (const c of disagreeingTests(r)) {
    items.push(`Review the ${c.channel} lift test of ${c.test.start}..${c.test.end}: it disagrees with the model, so it decided the channel's estimate ` +
      `(calibrated ROI ${c.after.roi.toFixed(2)}); check the test's design and the channel's data.`);
  }
  const approvers = `${req.requiredApprovers} approver${req.requiredApprovers === 1 ? '' : 's'}`;
  return r.approval
    ? { headline: `${approvers} ${req.requiredApprovers === 1 ? 'was' : 'were'} asked to sign off on:`, items: [...items, decided.trim()] }
    : { headline: `${approvers} must sign off on:`, items };
}

/** Whether the sign-off covers drift: a drifted source or feature, or a row count out of line. */
const asksDriftSignOff = ({ drift }: ApprovalRequest['signOff']) =>
  Boolean(drift?.driftedSources?.length || drift?.driftedFeatures?.length || drift?.rowAnomalies?.length);

/** A list a reader takes in at once: the first six, then how many more. */
const listed = (xs: readonly string[], n = 6) => (xs.length <= n ? xs.join(', ') : `${xs.slice(0, n).join(', ')} and ${xs.length - n} more`);

/** The three channel lines the budget moves most, in dollars a month: `paid_social up $12,000 to $60,000`. */
function budgetMoves(r: RunReport, n = 3): string {
  return Object.entries(r.budget).filter(([, b]) => Math.round(b.change) !== 0)
    .sort(([ca, a], [cb, b]) => Math.abs(b.change) - Math.abs(a.change) || ca.localeCompare(cb)).slice(0, n)
    .map(([c, b]) => `${c} ${b.change > 0 ? 'up' : 'down'} ${usd(Math.abs(b.change))} to ${usd(b.recommended)}`).join(', ');
}

/**
 * The largest changes since the last approved run, in words: each channel's
 * ROI and recommended budget are candidates, ranked by their change relative
 * to the earlier value (so a channel's ROI and its budget compare on one
 * scale); a value that appears or disappears counts as the largest change.
 */
export function largestChanges(changes: ApprovalRequest['changes'] | null, n = 3): DecisionSummary['changes'] {
  if (!changes) return { previousRunId: null, lines: [], note: 'The run has not reached the approval gate: nothing to compare yet.' };
  if (!changes.previousRunId) return { previousRunId: null, lines: [], note: 'No earlier approved run to compare with: this is the first.' };
  const candidates: { size: number; channel: string; words: string }[] = [];
  for (const c of changes.channels as ChannelChange[]) {
    const roi = changeOf(c.roiThen, c.roiNow, (v) => v.toFixed(2));
    if (roi) candidates.push({ size: roi.size, channel: c.channel, words: `${c.channel}: ROI ${roi.words}${SOURCE[c.source] ?? ''}` });
    const budget = changeOf(c.budgetThen, c.budgetNow, (v) => usd(v));
    if (budget) candidates.push({ size: budget.size, channel: c.channel, words: `${c.channel}: recommended budget ${budget.words}` });
  }
  candidates.sort((a, b) => b.size - a.size || a.channel.localeCompare(b.channel));
  const lines = candidates.slice(0, n).map((c) => c.words);
  const code = changes.codeChanged ? 'The model code changed since then, so a refit mixes new data and the new model.' : null;
  return { previousRunId: changes.previousRunId, lines, note: lines.length ? code : `No channel's ROI or budget changed.${code ? ` ${code}` : ''}` };
}

const SOURCE: Partial<Record<ChannelChange['source'], string>> = { 'new data': ' (new data)', 'new model': ' (new model code)' };

function changeOf(then: number | null, now: number | null, show: (v: number) => string): { size: number; words: string } | null {
  if (then === null && now === null) return null;
  if (then === null) return { size: Infinity, words: `new this run: ${show(now!)}` };
  if (now === null) return { size: Infinity, words: `no longer estimated (was ${show(then)})` };
  if (show(then) === show(now)) return null;
  const size = then === 0 ? Infinity : Math.abs(now - then) / Math.abs(then);
  const rel = then === 0 ? '' : ` (${now > then ? '+' : '−'}${Math.round(size * 100)}%)`;
  return { size, words: `${now > then ? 'rose' : 'fell'} from ${show(then)} to ${show(now)}${rel}` };
}

/** What a reviewer must look at before signing, each with the section that shows it. */
function checksFor(r: RunReport, roi: readonly RoiRow[]): Check[] {
  const checks: Check[] = [];
  const signOff = r.approvalRequest?.signOff as ApprovalRequest['signOff'] | undefined;
  if (signOff?.promotion.length) {
    checks.push({ text: `The backtest of each family to promote (${signOff.promotion.join(', ')}): the challenger against the champion, and the gate's reasons.`, section: 'governance' });
  }
  const standing = new Map(roi.map((x) => [x.channel, x.standing]));
  const doubtful = Object.entries(r.budget).filter(([c, b]) => b.change > 0 && standing.get(c) && standing.get(c) !== 'above break-even');
  if (doubtful.length) {
    checks.push({ text: `The budget adds spend where the return is not shown to pay: ${doubtful.map(([c, b]) =>
      `${c} (+${usd(b.change)} a month; ROI ${standing.get(c) === 'cannot tell' ? 'cannot be told from break-even' : 'below break-even'})`).join(', ')}.`, section: 'attribution' });
  }
  const unknown = unidentifiedChannels(r);
  // The step the score stage held them to, from the policy it stored with the budget.
  const step = (Object.values(r.budget)[0]?.policy as { unidentifiedMaxChange?: number } | undefined)?.unidentifiedMaxChange;
  if (unknown.length) {
    checks.push({ text: `What the model cannot know: ${unknown.map((u) => `${u.channel} (${u.why})`).join(', ')}. ` +
      `Their intervals are widened to what the data support and the budget ${step === 0 ? 'holds them at their current spend'
        : `moves them at most ${step === undefined ? 'a small step' : pct(step, 0)}`}; a lift test would tell.`,
    section: 'attribution' });
  }
  const disagree = disagreeingTests(r);
  if (disagree.length) {
    checks.push({ text: `${disagree.length === 1 ? 'A lift test disagrees' : `${disagree.length} lift tests disagree`} with the model beyond both 80% intervals ` +
      `(the test decided the channel's estimate; check the test and the channel's data): ${disagree.map((c) => c.why).join(' ')}`, section: 'experiments' });
  }
  const held = Object.entries(r.budget).filter(([, b]) => b.binding !== 'total').map(([c, b]) => `${c} (${b.binding})`);
  if (held.length) checks.push({ text: `The channels a guardrail holds, not the optimizer: ${held.join(', ')}.`, section: 'budget' });
  if (signOff && asksDriftSignOff(signOff)) {
    checks.push({ text: 'The drift: whether the drifted features and row counts are a real change in the business or a fault in the drop.', section: 'governance' });
  }
  const quarantined = r.ingest.files.reduce((s, f) => s + f.rowsQuarantined, 0);
  if (quarantined) checks.push({ text: `${quarantined} row${quarantined === 1 ? ' was' : 's were'} quarantined: whether what was left out matters.`, section: 'read' });
  if (r.disputes.length) checks.push({ text: `${r.disputes.length} open attribution dispute${r.disputes.length === 1 ? '' : 's'}.`, section: 'governance' });
  return checks;
}

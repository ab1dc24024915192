import { isOrgWide } from '../lib/run-scope';
import { DEFAULT_CONFIG, type AcvloopConfig } from '../config/schema';
import { isMmmUnavailable, restoreMmm, type MmmUnavailable, type StoredMmm } from '../models/mmm';
import type { LiftTestCalibration } from '../models/mmm-calibration';
import { inLockedTransaction } from '../store/transaction';
import { approvalRequestOf, insertApprovalDecision, insertApprovalRequest } from '../store/approvals';
import { insertRunOutcome, previousApprovedRun, registeredRun } from '../store/runs';
import { ActivityDeps, withStage } from './context';
import { pgDataset } from '../lib/openlineage';
import { writeAudit } from '../store/audit-log';
import { championOnApproval, championsNewerThan, type ChampionOnApproval } from './newer-champions';

type Approvals = AcvloopConfig['approvals'];

export interface ChannelChange {
  channel: string;
  roiThen: number | null; roiNow: number | null;
  budgetThen: number | null; budgetNow: number | null;
  /** Steady-state ROI at each run's current spend: the earlier fit at its spend, the earlier fit at today's spend, today's fit at today's spend. */
  steadyRoi: { thenFitThenSpend: number | null; thenFitNowSpend: number | null; nowFitNowSpend: number | null };
  /** ROI change from the spend level moving along the earlier fit's curve (new data on spend) and from refitting (new data on outcomes, or a new model). */
  fromSpendLevel: number | null; fromRefit: number | null;
  source: 'new data' | 'new model' | 'unchanged' | 'not comparable';
}

export interface ApprovalRequest {
  requiredApprovers: number;
  budgetMoveShare: number | null;
  signOff: {
    promotion: string[];
    budget: { share: number | null; threshold: number; beyondGuardrails: boolean };
    /** Drift the reviewer must see: drifted sources and features, anomalous row counts. */
    drift: { driftedSources: string[]; driftedFeatures: string[]; rowAnomalies: string[] };
    /** What approving does to each champion: a run older than the champion's keeps it unless the approver asks (absent before issue 12). */
    champion?: ChampionOnApproval;
    /** Channels whose effect the media-mix model cannot identify, and the step the budget holds them to (absent before issue 13). */
    unidentified?: UnidentifiedSignOff;
    /** Lift tests the model disagreed with, each of which decided its channel's estimate: a reviewer checks them (absent when none did). */
    liftTests?: LiftTestSignOff;
  };
  previousRunId: string | null;
  changes: { previousRunId: string | null; codeChanged: boolean; dropChanged: boolean; channels: ChannelChange[]; note: string };
}

export interface UnidentifiedSignOff {
  channels: { channel: string; reasons: string[] }[];
  /** budget.unidentifiedMaxChange of the run's policy. */
  maxChange: number;
  text: string;
}

/**
 * What the reviewer signs knowing: which channels' effects the data cannot
 * separate (from the run's incrementality rows) and that the budget moves
 * them at most `maxChange` (0: holds them); null when every channel is identified.
 *
 * @example
 * unidentifiedSignOff([{ channel: 'social', identifiability: { identified: false, reasons: [{ message: 'spend moves with search' }] } }], 0.05).text;
 * // 'the model cannot identify social (spend moves with search): its interval is widened and the budget moves it at most 5%'
 */
export function unidentifiedSignOff(rows: readonly { channel: string; identifiability?: { identified: boolean; reasons: { message: string }[] } | null }[],
  maxChange: number): UnidentifiedSignOff | null {
  const channels = rows.filter((r) => r.identifiability && !r.identifiability.identified)
    .map((r) => ({ channel: r.channel, reasons: r.identifiability!.reasons.map((x) => x.message) }));
  if (!channels.length) return null;
  const one = channels.length === 1;
  return { channels, maxChange,
    text: `the model cannot identify ${channels.map((c) => `${c.channel} (${c.reasons.join('; ')})`).join(', ')}: ` +
      `${one ? 'its interval is' : 'their intervals are'} widened and the budget ` +
      (maxChange > 0 ? `moves ${one ? 'it' : 'each'} at most ${Number((maxChange * 100).toFixed(2))}%` : `holds ${one ? 'it' : 'them'} at the current spend`) };
}

export interface LiftTestSignOff {
  tests: { channel: string; start: string; end: string; why: string }[];
  text: string;
}

/**
 * What the reviewer signs knowing about the run's lift tests: those that
 * disagreed with the model fitted without tests beyond both 80% intervals,
 * each of which decided its channel's estimate (models/mmm-calibration.ts);
 * null when every test agreed. A run with one never applies without a
 * reviewer: the estimate, and the budget built on it, rest on one test that
 * the channel's own data contradict.
 *
 * @example
 * liftTestSignOff([{ channel: 'event', test: { start: '2026-03', end: '2026-04' }, verdict: 'disagrees', why: '…' }])!.text;
 * // "the event lift test of 2026-03..2026-04 disagrees with the model beyond both 80% intervals, so it decided the channel's estimate: check the test's design and the channel's data"
 */
export function liftTestSignOff(calibration: readonly (Pick<LiftTestCalibration, 'channel' | 'verdict' | 'why'> & { test: { start: string; end: string } })[]):
  LiftTestSignOff | null {
  const tests = calibration.filter((c) => c.verdict === 'disagrees').map((c) => ({ channel: c.channel, start: c.test.start, end: c.test.end, why: c.why }));
  if (!tests.length) return null;
  const named = tests.map((t) => `${t.channel} ${t.start}..${t.end}`);
  return { tests,
    text: tests.length === 1
      ? `the ${tests[0].channel} lift test of ${tests[0].start}..${tests[0].end} disagrees with the model beyond both 80% intervals, so it decided the channel's estimate: ` +
        'check the test\'s design and the channel\'s data'
      : `the lift tests ${named.slice(0, -1).join(', ')} and ${named[named.length - 1]} disagree with the model beyond both 80% intervals, so each decided its channel's estimate: ` +
        'check each test\'s design and its channel\'s data' };
}

/** Sum of |recommended − current| over the total current spend: how much money the budget moves. */
export function budgetMoveShare(lines: readonly { current: number; recommended: number }[]): number | null {
  const total = lines.reduce((s, l) => s + l.current, 0);
  if (!(total > 0)) return null;
  return lines.reduce((s, l) => s + Math.abs(l.recommended - l.current), 0) / total;
}

/**
 * Who must sign off: promoting any challenger needs `required` approvers; a
 * budget that moves more than `largeBudgetMove.share` of the spend needs
 * `largeBudgetMove.required` (whichever is more); drift, and a lift test that
 * disagreed with the model (it decided its channel's estimate), must be seen
 * by a reviewer, so each needs `required` too; a run with nothing to promote,
 * no drift, no such test and a budget within that share needs none: it
 * applies and is logged.
 *
 * @example
 * requiredApprovers([], 0.05, DEFAULT_CONFIG.approvals, { liftTests: true });  // { required: 1, beyond: false }
 */
export function requiredApprovers(promotion: readonly string[], share: number | null, a: Approvals,
  seen: { drifted?: boolean; liftTests?: boolean } = {}): { required: number; beyond: boolean } {
  // A budget at its guardrails moves exactly that share; rounding must not tip it over.
  const beyond = share !== null && share > a.largeBudgetMove.share + 1e-9;
  let required = promotion.length || seen.drifted || seen.liftTests ? a.required : 0;
  if (beyond) required = Math.max(required, a.largeBudgetMove.required, a.required);
  return { required, beyond };
}

const steady = (fit: ReturnType<typeof restoreMmm> | null, channel: string, spend: number | null) =>
  fit && spend && spend > 0 && fit.channels.includes(channel) ? fit.response(channel, spend).mean / spend : null;

/** The approval gate's activities: the request, each reviewer's decision, refusals, the reminder, a gate failure. */
export function approvalActivities(deps: ActivityDeps) {
  const { db } = deps.db;
  return {
    prepareApproval: (input: { runId: string; approvals?: Approvals }): Promise<ApprovalRequest> => prepareApproval(deps, input),

    /** One reviewer's decision, written before the reviewer hears back; a retry writes nothing twice. */
    async recordReviewerDecision(input: { runId: string; decision: 'approved' | 'rejected'; reviewer: string; reason: string | null; at: string; promote?: true }) {
      const run = await registeredRun(db, input.runId);
      // An approval may ask that a run older than the champion's become champion all the same; publish reads it here.
      const promoteOlder = input.decision === 'approved' && input.promote === true;
      await insertApprovalDecision(db, { run_id: input.runId, reviewer: input.reviewer, decision: input.decision, reason: input.reason, decided_at: input.at,
        promote_older: promoteOlder });
      await writeAudit(deps.db.pool, { actor: input.reviewer, action: `decision.${input.decision}`, runId: input.runId,
        after: { decision: input.decision, ...(promoteOlder ? { promoteOlder: true } : {}) },
        reason: input.reason, dropSha256: run.drop_sha256, key: `decision:${input.runId}:${input.reviewer}` });
    },

    /** A refused decision (signal path; the CLI records refused Updates itself): who, what, and why it was refused. */
    async recordRefusal(input: { runId: string; reviewer: string; decision: string; why: string; via: 'signal' | 'update'; seq?: number }) {
      await writeAudit(deps.db.pool, { actor: input.reviewer || '(unnamed)', action: 'decision.refused', runId: input.runId,
        after: { decision: input.decision, via: input.via }, reason: input.why, key: input.seq ? `refusal:${input.runId}:${input.via}:${input.seq}` : null });
    },

    /**
     * The reminder before the gate expires: audited, logged, and POSTed to the
     * webhook when one is configured. A webhook that fails is recorded, not
     * retried for ever: the reminder is a courtesy, the deadline still holds.
     */
    async sendReminder(input: { runId: string; deadline: string; webhook?: string; required: number; approvedBy: string[] }) {
      const message = `run ${input.runId} waits for ${input.required - input.approvedBy.length} more approval(s) before ${input.deadline}`;
      let delivery: { url: string; status?: number; error?: string } | null = null;
      if (input.webhook) {
        try {
          const res = await fetch(input.webhook, {
            method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(5000),
            body: JSON.stringify({ event: 'acvloop.approval.reminder', runId: input.runId, deadline: input.deadline, required: input.required, approvedBy: input.approvedBy, message }),
          });
          delivery = { url: input.webhook, status: res.status };
        } catch (err) {
          delivery = { url: input.webhook, error: (err as Error).message };
        }
      }
      deps.log?.(`reminder: ${message}`);
      await writeAudit(deps.db.pool, { actor: 'acvloop', action: 'approval.reminder', runId: input.runId,
        after: { deadline: input.deadline, required: input.required, approvedBy: input.approvedBy, webhook: delivery }, reason: message, key: `reminder:${input.runId}` });
      return { delivered: delivery };
    },

    /** No challenger passed the gate and nothing else needs applying: the run ends recorded, with nothing promoted. */
    async recordGateFailure({ runId }: { runId: string }) {
      await insertRunOutcome(db, runId, 'gate_failed', 'no challenger passed the backtest gate');
    },
  };
}

type RegisteredRun = Awaited<ReturnType<typeof registeredRun>>;
type BudgetLine = { channel: string; current: number; recommended: number; detail: unknown };

/**
 * What a reviewer needs before signing: what the gate asks sign-off for, how
 * many approvers, and per channel the ROI and budget of the last approved
 * run beside this run's, with the change split into the part from spend
 * moving along the earlier fit's response curve and the part from refitting
 * (new outcomes, or new model code when the code version changed).
 */
async function prepareApproval(deps: ActivityDeps, { runId, approvals }: { runId: string; approvals?: Approvals }): Promise<ApprovalRequest> {
  const { db } = deps.db;
  await withStage(deps, runId, 'approval_request', async () => {
    const a = { ...DEFAULT_CONFIG.approvals, ...approvals };
    const run = await registeredRun(db, runId);
    const { request, lines, drifted } = await approvalRequestFor(deps, run, a);
    await storeApprovalRequest(deps, run, a, request, lines, drifted);
    const { requiredApprovers: required, budgetMoveShare: share, signOff: { promotion } } = request;
    return {
      summary: { requiredApprovers: required, budgetMoveShare: share === null ? null : Number(share.toFixed(4)), promote: promotion.join(', ') || 'none' },
      inputs: ['gate_verdicts', 'budget_recommendations', 'incrementality', 'model_versions', 'approvals', 'drift_features', 'drift_sources'].map((t) => pgDataset(deps.db.schema, t)),
      outputs: ['approval_requests', 'audit_log'].map((t) => pgDataset(deps.db.schema, t)),
    };
  });
  // What was stored (a retry returns the first attempt's request, not a recomputation).
  const row = await approvalRequestOf(db, runId);
  if (!row) throw new Error(`run ${runId} has no approval request`);
  return {
    requiredApprovers: row.required_approvers, budgetMoveShare: row.budget_move_share, signOff: row.sign_off as ApprovalRequest['signOff'],
    previousRunId: row.previous_run_id, changes: row.changes as ApprovalRequest['changes'],
  };
}

/** The run's request, from what the gate, score, drift and retrain wrote; its budget lines and whether drift needs a reviewer come along. */
async function approvalRequestFor(deps: ActivityDeps, run: RegisteredRun, a: Approvals):
  Promise<{ request: ApprovalRequest; lines: BudgetLine[]; drifted: boolean }> {
  const { db } = deps.db;
  const runId = run.run_id;
  const verdict = await db.selectFrom('gate_verdicts').select(['promote']).where('run_id', '=', runId).executeTakeFirstOrThrow();
  // A pilot moves no champion (issue 17): what its gate passed serves its own outputs, and asks no one to promote it.
  const promotion = isOrgWide(run.scope) ? verdict.promote as string[] : [];
  const lines = await db.selectFrom('budget_recommendations').select(['channel', 'current', 'recommended', 'detail']).where('run_id', '=', runId).execute();
  const share = budgetMoveShare(lines);
  const drift = await driftSignOff(deps, runId);
  const drifted = drift.driftedSources.length > 0 || drift.rowAnomalies.length > 0;
  // What retrain kept of the run's lift tests against its media-mix model (none when it had no fit or no test).
  const incrementalityVersion = await db.selectFrom('model_versions').select('metrics').where('run_id', '=', runId).where('family', '=', 'incrementality').executeTakeFirst();
  const liftTests = liftTestSignOff((incrementalityVersion?.metrics as { calibration?: LiftTestCalibration[] } | null | undefined)?.calibration ?? []);
  const { required, beyond } = requiredApprovers(promotion, share, a, { drifted, liftTests: liftTests !== null });
  const champion = championOnApproval(run.month, promotion, await championsNewerThan(deps, run.month, promotion));

  // The last approved run before this run's month (or an earlier version of the same month): a backfilled
  // month is compared with what was approved before it, not with a newer month approved earlier.
  const previous = await previousApprovedRun(db, run);
  const changes = previous ? await changesSince(deps, previous, run, lines) : {
    previousRunId: null, codeChanged: false, dropChanged: false, channels: [], note: 'no earlier approved run to compare with',
  };
  const unidentified = await unidentifiedOfRun(deps, runId, lines);
  const request: ApprovalRequest = {
    requiredApprovers: required, budgetMoveShare: share,
    signOff: { promotion, budget: { share, threshold: a.largeBudgetMove.share, beyondGuardrails: beyond }, drift, champion,
      ...(unidentified ? { unidentified } : {}), ...(liftTests ? { liftTests } : {}) },
    previousRunId: previous?.run_id ?? null, changes,
  };
  return { request, lines, drifted };
}

/** The run's drifted sources and features and its anomalous row counts, sorted. */
async function driftSignOff(deps: ActivityDeps, runId: string): Promise<ApprovalRequest['signOff']['drift']> {
  const { db } = deps.db;
  const driftFeatures = await db.selectFrom('drift_features').select(['source', 'feature']).where('run_id', '=', runId).where('drifted', '=', true).execute();
  const driftSources = await db.selectFrom('drift_sources').select(['source', 'drifted', 'row_anomaly']).where('run_id', '=', runId).execute();
  return {
    driftedSources: driftSources.filter((x) => x.drifted).map((x) => x.source).sort(),
    driftedFeatures: driftFeatures.map((f) => `${f.source}.${f.feature}`).sort(),
    rowAnomalies: driftSources.filter((x) => x.row_anomaly).map((x) => x.source).sort(),
  };
}

/** The run's unidentified channels (its incrementality rows), held to the step of the policy its budget was built under. */
async function unidentifiedOfRun(deps: ActivityDeps, runId: string, lines: readonly BudgetLine[]): Promise<UnidentifiedSignOff | null> {
  const { db } = deps.db;
  const incrementality = await db.selectFrom('incrementality').select(['channel', 'detail']).where('run_id', '=', runId).orderBy('channel').execute();
  const policy = (lines[0]?.detail as { policy?: { unidentifiedMaxChange?: number } } | undefined)?.policy;
  return unidentifiedSignOff(incrementality.map((i) => ({ channel: i.channel,
    identifiability: (i.detail as { identifiability?: { identified: boolean; reasons: { message: string }[] } } | null)?.identifiability })),
  policy?.unidentifiedMaxChange ?? DEFAULT_CONFIG.budget.unidentifiedMaxChange);
}

/** The request and its audit entry, once per run: a retry that finds the request writes nothing. */
async function storeApprovalRequest(deps: ActivityDeps, run: RegisteredRun, a: Approvals, request: ApprovalRequest,
  lines: readonly BudgetLine[], drifted: boolean): Promise<void> {
  const runId = run.run_id;
  const { requiredApprovers: required, budgetMoveShare: share, changes } = request;
  const { promotion, drift, champion, liftTests, budget: { beyondGuardrails: beyond } } = request.signOff;
  await inLockedTransaction(deps, `approval:${runId}`, async (client, tx) => {
    if (await approvalRequestOf(tx, runId)) return;
    await insertApprovalRequest(tx, { run_id: runId, required_approvers: required, budget_move_share: share, sign_off: JSON.stringify(request.signOff),
      changes: JSON.stringify(changes), previous_run_id: request.previousRunId });
    const what = required === 0
      ? { action: 'approval.not_needed', reason: `nothing to promote, no drift, and the budget moves ${share === null ? 'no' : `${(share * 100).toFixed(1)}% of`} spend, within the ${(a.largeBudgetMove.share * 100).toFixed(0)}% that needs sign-off` }
      : { action: 'approval.requested', reason: `${required} approver(s) for ${[promotion.length ? `promoting ${promotion.join(', ')}` : '',
        beyond ? `a budget move of ${(share! * 100).toFixed(1)}%` : '', drifted ? `drift in ${[...new Set([...drift.driftedSources, ...drift.rowAnomalies])].join(', ')}` : '',
        liftTests ? `reviewing ${liftTests.text}` : '']
        .filter(Boolean).join(' and ')}${promotion.length ? `; ${champion!.text}` : ''}` };
    await writeAudit(client, { actor: 'acvloop', action: what.action, runId,
      before: { budget: Object.fromEntries(lines.map((l) => [l.channel, l.current])) },
      after: { budget: Object.fromEntries(lines.map((l) => [l.channel, l.recommended])), requiredApprovers: required, promotion },
      reason: what.reason, dropSha256: run.drop_sha256, key: `approval.request:${runId}` });
  });
}

async function changesSince(
  deps: ActivityDeps,
  previous: { run_id: string; code_version: string; drop_sha256: string },
  run: { run_id: string; code_version: string; drop_sha256: string },
  lines: readonly { channel: string; current: number; recommended: number }[],
): Promise<ApprovalRequest['changes']> {
  const { db } = deps.db;
  const fitOf = async (runId: string) => {
    const v = await db.selectFrom('model_versions').select('params').where('run_id', '=', runId).where('family', '=', 'incrementality').executeTakeFirst();
    const p = v?.params as unknown as StoredMmm | MmmUnavailable | undefined;
    return p && !isMmmUnavailable(p) ? restoreMmm(p) : null;
  };
  const [thenFit, nowFit] = [await fitOf(previous.run_id), await fitOf(run.run_id)];
  const roiOf = async (runId: string) => new Map((await db.selectFrom('incrementality').select(['channel', 'roi']).where('run_id', '=', runId).execute()).map((r) => [r.channel, r.roi]));
  const [roiThen, roiNow] = [await roiOf(previous.run_id), await roiOf(run.run_id)];
  const thenLines = new Map((await db.selectFrom('budget_recommendations').select(['channel', 'current', 'recommended']).where('run_id', '=', previous.run_id).execute()).map((l) => [l.channel, l]));
  const nowLines = new Map(lines.map((l) => [l.channel, l]));
  const codeChanged = previous.code_version !== run.code_version;
  const channels = [...new Set([...roiThen.keys(), ...roiNow.keys(), ...thenLines.keys(), ...nowLines.keys()])].sort().map((channel): ChannelChange => {
    const thenSpend = thenLines.get(channel)?.current ?? null;
    const nowSpend = nowLines.get(channel)?.current ?? null;
    const a = steady(thenFit, channel, thenSpend);
    const b = steady(thenFit, channel, nowSpend);
    const c = steady(nowFit, channel, nowSpend);
    const fromSpendLevel = a !== null && b !== null ? b - a : null;
    const fromRefit = b !== null && c !== null ? c - b : null;
    const source = fromRefit === null ? 'not comparable' : Math.abs(fromRefit) < 1e-9 && Math.abs(fromSpendLevel ?? 0) < 1e-9 ? 'unchanged' : codeChanged ? 'new model' : 'new data';
    return {
      channel, roiThen: roiThen.get(channel) ?? null, roiNow: roiNow.get(channel) ?? null,
      budgetThen: thenLines.get(channel)?.recommended ?? null, budgetNow: nowLines.get(channel)?.recommended ?? null,
      steadyRoi: { thenFitThenSpend: a, thenFitNowSpend: b, nowFitNowSpend: c }, fromSpendLevel, fromRefit, source,
    };
  });
  return {
    previousRunId: previous.run_id, codeChanged, dropChanged: previous.drop_sha256 !== run.drop_sha256, channels,
    note: codeChanged
      ? `the model code changed (${previous.code_version} -> ${run.code_version}): a refit difference mixes new data and the new model`
      : `same model code (${run.code_version}): a refit difference comes from new data`,
  };
}

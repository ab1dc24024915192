import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AcvloopConfig } from '../config/schema';
import type { RunScope } from '../lib/run-scope';

/** The stages a run's progress shows, in order (the backtest `gate` and the reviewers' `approval` among them). */
export const CYCLE_STAGES = ['ingest', 'validate', 'lineage', 'drift', 'graph', 'retrain', 'backtest', 'gate', 'score', 'approval', 'publish'] as const;
export type StageName = (typeof CYCLE_STAGES)[number];

export type RunStatus = 'running' | 'awaiting_approval' | 'completed' | 'rejected' | 'expired' | 'failed' | 'gate_failed';

export interface StageState {
  name: StageName;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'skipped';
  startedAt: string | null;
  finishedAt: string | null;
  summary?: Record<string, unknown>;
}

export interface CycleProgress {
  runId: string;
  month: string;
  requestedBy: string;
  status: RunStatus;
  stages: StageState[];
  error?: string;
  approvalDeadline?: string;
  /** The final decision (for several approvers, the one that completed or rejected the run). */
  decision?: DecisionRecord;
  /** Every reviewer's decision so far, in order. */
  decisions?: DecisionRecord[];
  /** Distinct approvers the run needs (0 when nothing needs sign-off). */
  requiredApprovers?: number;
  reminderSentAt?: string;
}

/** What a reviewer sends: through `acvloop approve|reject`, `temporal workflow update execute`, or a signal. */
export interface DecisionInput {
  decision: 'approve' | 'reject';
  reviewer: string;
  reason?: string;
  /** With an approval: make this run champion even when it is older (by month) than the champion's run, e.g. a backfilled month. */
  promote?: boolean;
}

export interface DecisionRecord {
  decision: 'approved' | 'rejected';
  reviewer: string;
  reason: string | null;
  at: string;
  /** The approver asked that this run become champion although it is older than the champion's run. */
  promote?: true;
}

/** The Update a reviewer sends; its validator refuses bad decisions before they enter history. */
export const decideUpdate = defineUpdate<DecisionRecord, [DecisionInput]>('decide');
/** The same decision as a fire-and-forget signal, for clients that cannot send Updates. Refused decisions are ignored and logged. */
export const decideSignal = defineSignal<[DecisionInput]>('decideSignal');
export const progressQuery = defineQuery<CycleProgress>('progress');

export interface CycleInput {
  runId: string;
  month: string;
  dropPath: string;
  dropSha256: string;
  version: number;
  requestedBy: string;
  /** How long the approval gate waits, in milliseconds (default 7 days). */
  approvalTimeoutMs?: number;
  /** Heartbeat timeout of the long activities (default 30 s); tests shorten it to recover fast from a killed worker. */
  heartbeatTimeoutMs?: number;
  /** The operator config the run starts with (reviewers, approvals, gate and drift thresholds, budget); defaults when absent. */
  config?: AcvloopConfig;
  /** The attribution policy document the run uses (versioned); the default policy when absent. */
  attributionPolicy?: Record<string, unknown>;
  /** A pilot's subset of the drop (lib/run-scope.ts); absent for an organisation-wide run. */
  scope?: RunScope;
}

export interface CycleResult {
  runId: string;
  status: 'completed' | 'rejected' | 'expired' | 'gate_failed';
  decision?: DecisionRecord;
  decisions?: DecisionRecord[];
}

/** Who may decide: the reviewers of the run's config (empty: anyone named but the requester) and the decisions taken so far. */
export interface DecisionRules {
  reviewers: readonly { name: string; roles: readonly string[] }[];
  decisions: readonly DecisionRecord[];
  required: number;
}

/**
 * Why a decision is refused, or null when it may be taken. Pure, so the
 * Update's validator, the signal handler and the CLI give the same words.
 * With `rules` (runs started with a config) only a listed approver may
 * decide, once; without, any named reviewer but the requester may.
 */
export function refuseDecision(p: Pick<CycleProgress, 'status' | 'requestedBy' | 'decision'>, d: DecisionInput, rules?: DecisionRules): string | null {
  if (!d || (d.decision !== 'approve' && d.decision !== 'reject')) return 'decision must be "approve" or "reject"';
  if (typeof d.reviewer !== 'string' || d.reviewer.trim() === '') return 'a decision needs a named reviewer';
  if (d.decision === 'reject' && !(d.reason ?? '').trim()) return 'a rejection needs a reason';
  const who = d.reviewer.trim();
  if (rules && rules.reviewers.length) {
    const reviewer = rules.reviewers.find((r) => r.name === who);
    if (!reviewer) return `${who} is not a reviewer in the run's config; only its approvers may decide`;
    if (!reviewer.roles.includes('approver')) return `${who} is a ${reviewer.roles.join('/')} in the run's config; only an approver may decide`;
  }
  if (p.decision) return `the run was already ${p.decision.decision} by ${p.decision.reviewer} at ${p.decision.at}`;
  if (p.status === 'running') return 'the run has not reached the approval gate yet';
  if (p.status !== 'awaiting_approval') return `the run is ${p.status}; it no longer takes decisions`;
  if (who === p.requestedBy) return `${who} requested this run and cannot decide on it (four-eyes rule)`;
  const earlier = rules?.decisions.find((x) => x.reviewer === who);
  if (earlier) {
    const left = rules!.required - rules!.decisions.filter((x) => x.decision === 'approved').length;
    return `${who} already ${earlier.decision} this run at ${earlier.at}; ${left} more approval(s) must come from other approvers`;
  }
  return null;
}

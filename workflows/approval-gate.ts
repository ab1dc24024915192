import { condition, log, patched, setHandler } from '@temporalio/workflow';
import { parseDuration } from '../lib/duration';
import { bookkeeping } from './bookkeeping';
import {
  type CycleInput, type CycleProgress, type CycleResult, type DecisionInput, type DecisionRecord, type DecisionRules,
  decideSignal, decideUpdate, refuseDecision,
} from './messages';
import { now, stageOf } from './progress';

const DEFAULT_APPROVAL_TIMEOUT_MS = 7 * 24 * 3600 * 1000;
const DEFAULT_REMIND_BEFORE_MS = 24 * 3600 * 1000;

/**
 * An approval's `promote: true` (issue 12: a backfilled older month becomes
 * champion only when a reviewer asks) is kept with the decision from this
 * release on; a decision taken before replays without the marker.
 */
const PROMOTE_OLDER_PATCH = 'acvloop-promote-older-1';

/** What a decided run reports: the decision that settled it and, for governed runs, every reviewer's decision. */
export type ApprovalOutcome = Pick<CycleResult, 'decision' | 'decisions'> & { decision: DecisionRecord };

const approverNames = (decisions: readonly DecisionRecord[]) => decisions.filter((d) => d.decision === 'approved').map((d) => d.reviewer);

/**
 * The approval gate of one run: reviewers decide through the `decide` Update
 * (refused before it enters history) or the `decideSignal` signal (a refusal
 * is logged and, for governed runs, audited). A run of the earlier release
 * settles on the first decision; a governed run keeps each approver's
 * decision and is settled by a rejection or by the last approval it needs.
 * The handlers are set when the gate is built, at the start of the run, so a
 * decision sent early is refused with a reason instead of waiting unanswered.
 */
export class ApprovalGate {
  /** The decision that ends the wait. */
  private settled: DecisionRecord | undefined;
  private readonly decisions: DecisionRecord[] = [];
  /** Governed runs only: who may decide and how many approvals settle the run. */
  private readonly rules: DecisionRules | undefined;
  private refusals = 0;

  constructor(private readonly input: CycleInput, private readonly progress: CycleProgress, private readonly governed: boolean) {
    this.rules = governed
      ? { reviewers: input.config?.reviewers ?? [], decisions: this.decisions, required: input.config?.approvals.required ?? 1 }
      : undefined;
    setHandler(decideUpdate, (d: DecisionInput) => this.accept(d), {
      validator: (d: DecisionInput) => {
        const why = refuseDecision(progress, d, this.rules);
        if (why) throw new Error(why);
      },
    });
    setHandler(decideSignal, async (d: DecisionInput) => {
      const why = refuseDecision(progress, d, this.rules);
      if (!why) {
        await this.accept(d);
        return;
      }
      log.warn('decision signal refused', { reviewer: d?.reviewer, why });
      // A refused Update never reaches history (its caller hears the refusal); a refused signal does, so it is audited here.
      if (governed) {
        await bookkeeping.recordRefusal({
          runId: input.runId, reviewer: String(d?.reviewer ?? ''), decision: String(d?.decision ?? ''), why, via: 'signal', seq: ++this.refusals,
        });
      }
    });
  }

  /** How many distinct approvers the governed run needs (prepareApproval says); none skips the approval. */
  requireApprovers(approvers: number): void {
    this.progress.requiredApprovers = approvers;
    if (approvers === 0) stageOf(this.progress, 'approval').status = 'skipped';
    else this.rules!.required = approvers;
  }

  /**
   * Waits for the reviewers until the deadline (a governed run sends a
   * reminder before it) and records the decision, or the expiry: then the
   * approval fails, nothing is published and the result is undefined.
   */
  async decide(): Promise<ApprovalOutcome | undefined> {
    const { runId } = this.input;
    const approval = stageOf(this.progress, 'approval');
    approval.status = 'running';
    approval.startedAt = now();
    const timeoutMs = this.input.approvalTimeoutMs
      ?? (this.input.config ? parseDuration(this.input.config.approvals.timeout, 'approvals.timeout') : DEFAULT_APPROVAL_TIMEOUT_MS);
    const deadline = Date.now() + timeoutMs;
    this.progress.approvalDeadline = new Date(deadline).toISOString();
    this.progress.status = 'awaiting_approval';
    const decided = this.governed ? await this.waitWithReminder(timeoutMs, deadline) : await this.waitFor(timeoutMs);
    approval.finishedAt = now();

    if (!decided) {
      this.progress.status = 'expired';
      approval.status = 'failed';
      stageOf(this.progress, 'publish').status = 'skipped';
      await bookkeeping.recordExpiry({ runId, at: approval.finishedAt });
      return undefined;
    }
    const decision = this.settled!;
    approval.status = 'completed';
    approval.summary = this.governed ? { ...decision, approvers: approverNames(this.decisions) } : { ...decision };
    // The run's outcome names every approver; each one's own decision was written when it came.
    const outcome = this.governed && decision.decision === 'approved' ? { ...decision, reviewer: approverNames(this.decisions).join(', ') } : decision;
    await bookkeeping.recordDecision({ runId, ...outcome });
    return { decision, ...(this.governed ? { decisions: this.decisions } : {}) };
  }

  private waitFor(ms: number): Promise<boolean> {
    return condition(() => this.settled !== undefined, ms);
  }

  /** A reminder before expiry: remindBefore ahead of the deadline, or half way when the wait is shorter than that. */
  private async waitWithReminder(timeoutMs: number, deadline: number): Promise<boolean> {
    const { config } = this.input;
    const remindBefore = config ? parseDuration(config.approvals.remindBefore, 'approvals.remindBefore') : DEFAULT_REMIND_BEFORE_MS;
    const remindAfter = remindBefore < timeoutMs ? timeoutMs - remindBefore : Math.floor(timeoutMs / 2);
    if (await this.waitFor(remindAfter)) return true;
    this.progress.reminderSentAt = now();
    await bookkeeping.sendReminder({
      runId: this.input.runId, deadline: new Date(deadline).toISOString(), webhook: config?.approvals.webhook,
      required: this.rules!.required, approvedBy: approverNames(this.decisions),
    });
    return await this.waitFor(Math.max(0, deadline - Date.now()));
  }

  /** Both handlers take a decision that was not refused here. */
  private accept(d: DecisionInput): Promise<DecisionRecord> {
    return this.governed ? this.collectApproverDecision(d) : Promise.resolve(this.settleOnFirstDecision(d));
  }

  /** The earlier release: the first decision settles the run. */
  private settleOnFirstDecision(d: DecisionInput): DecisionRecord {
    this.settled = this.toRecord(d);
    this.progress.decision = this.settled;
    return this.settled;
  }

  /** Governed: each approver's decision is kept (and written before the caller hears back); a rejection or the last approval needed settles the run. */
  private async collectApproverDecision(d: DecisionInput): Promise<DecisionRecord> {
    const record = this.toRecord(d);
    this.decisions.push(record);
    this.progress.decisions = [...this.decisions];
    if (record.decision === 'rejected' || approverNames(this.decisions).length >= this.rules!.required) {
      this.settled = record;
      this.progress.decision = record;
    }
    await bookkeeping.recordReviewerDecision({ runId: this.input.runId, ...record });
    return record;
  }

  private toRecord(d: DecisionInput): DecisionRecord {
    return {
      decision: d.decision === 'approve' ? 'approved' : 'rejected',
      reviewer: d.reviewer.trim(),
      reason: d.reason?.trim() || null,
      at: now(),
      ...(this.governed && d.decision === 'approve' && d.promote === true && patched(PROMOTE_OLDER_PATCH) ? { promote: true as const } : {}),
    };
  }
}

import { runSeed } from '../models/random';
import { isOrgWide } from '../lib/run-scope';
import type { CycleInput } from '../workflows/messages';
import type { ActivityDeps } from './context';
import { writeAudit } from '../store/audit-log';
import { insertApproval } from '../store/approvals';
import { insertRun, insertRunOutcome, runExists } from '../store/runs';
import { clearChallengersOf } from './registry';

export type RegisterRunInput = Pick<CycleInput, 'runId' | 'month' | 'dropPath' | 'dropSha256' | 'version' | 'requestedBy' | 'config' | 'attributionPolicy' | 'scope'> & {
  workflowRunId: string;
};

export function runActivities(deps: ActivityDeps) {
  const { db } = deps.db;
  const audit = (actor: string, action: string, runId: string, after: unknown, reason: string | null, key: string) =>
    writeAudit(deps.db.pool, { actor, action, runId, after, reason, key });

  return {
    async registerRun(input: RegisterRunInput): Promise<{ runId: string; seed: number }> {
      // Every random draw of the run comes from this seed, so a re-run of the same drop reproduces its numbers.
      const seed = runSeed(input.month, input.dropSha256);
      await insertRun(db, {
          run_id: input.runId, month: input.month, drop_path: input.dropPath, drop_sha256: input.dropSha256,
          version: input.version, requested_by: input.requestedBy, seed, code_version: deps.codeVersion,
          config: input.config ? JSON.stringify(input.config) : null,
          attribution_policy: input.attributionPolicy ? JSON.stringify(input.attributionPolicy) : null,
          scope: isOrgWide(input.scope) ? null : JSON.stringify(input.scope),
      });
      await audit(input.requestedBy, 'run.requested', input.runId,
        { month: input.month, drop_sha256: input.dropSha256, version: input.version, ...(isOrgWide(input.scope) ? {} : { pilot: input.scope }) }, null, `run.requested:${input.runId}`);
      return { runId: input.runId, seed };
    },

    async recordDecision(input: { runId: string; decision: 'approved' | 'rejected'; reviewer: string; reason: string | null; at: string }) {
      await insertApproval(db, { run_id: input.runId, decision: input.decision, reviewer: input.reviewer, reason: input.reason, decided_at: input.at });
      await audit(input.reviewer, `run.${input.decision}`, input.runId, { decision: input.decision }, input.reason,
        `run.decision:${input.runId}`);
      if (input.decision === 'rejected') {
        await insertRunOutcome(db, input.runId, 'rejected');
        // A rejected run is never published: its versions stop being the ones on offer.
        await clearChallengersOf(deps, input.runId, `run rejected by ${input.reviewer}${input.reason ? `: ${input.reason}` : ''}`);
      }
    },

    async recordExpiry(input: { runId: string; at: string }) {
      await insertApproval(db, { run_id: input.runId, decision: 'expired', reviewer: null, reason: 'no decision before the approval deadline', decided_at: input.at });
      await insertRunOutcome(db, input.runId, 'expired');
      await audit('acvloop', 'run.expired', input.runId, { promoted: false }, 'approval timed out', `run.expired:${input.runId}`);
      await clearChallengersOf(deps, input.runId, 'run expired: no decision before the approval deadline');
    },

    async recordFailure(input: { runId: string; error: string }) {
      // The run row may be missing when registering itself failed; the outcome then lives in Temporal only.
      if (!(await runExists(db, input.runId))) return;
      await insertRunOutcome(db, input.runId, 'failed', input.error);
      await audit('acvloop', 'run.failed', input.runId, { error: input.error }, null, `run.failed:${input.runId}`);
    },
  };
}

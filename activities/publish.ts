import { inLockedTransaction } from '../store/transaction';
import { approvalOf, promoteOlderAskedBy, requiredApproversOf } from '../store/approvals';
import { budgetOfRun } from '../store/scores';
import { gateVerdictOf } from '../store/gate-verdicts';
import { modelVersionsOfRun } from '../store/model-versions';
import { insertPublication, publicationOf } from '../store/publications';
import { insertRunOutcome, registeredRun } from '../store/runs';
import { ActivityDeps, withStage } from './context';
import { pgDataset } from '../lib/openlineage';
import { moveAlias } from '../store/model-registry';
import { writeAudit } from '../store/audit-log';
import { championsNewerThan } from './newer-champions';
import { describeRunScope, isOrgWide } from '../lib/run-scope';

/** The outputs a publication names. */
const PUBLISHED_TABLES = ['attribution', 'kpis', 'contract_scores', 'forecasts', 'budget_recommendations'];

/**
 * Publish: the run's outputs are marked published and the model versions the
 * gate let through become champion (alias moves recorded as events and
 * audited, never updates). It needs the run's sign-off: the approval, or an
 * approval request that asked for none (nothing promoted, a budget within
 * the share that needs sign-off: applied and logged). A run older than a
 * champion's run (by month: a backfill) keeps that champion unless an
 * approver asked for it with the decision. A pilot (issue 17, part 6)
 * publishes its outputs and moves no alias and no budget. Runs once per
 * run: a retry finds the publication and stops.
 */
export function publishActivity(deps: ActivityDeps) {
  return async function publish({ runId }: { runId: string }) {
    return withStage(deps, runId, 'publish', async () => {
      let promoted: { family: string; from: string | null; to: string }[] = [];
      let kept: { family: string; champion: string; month: string }[] = [];
      // One lock for the registry: alias moves of concurrent runs must not interleave.
      await inLockedTransaction(deps, 'registry', async (client, tx) => {
        const done = await publicationOf(tx, runId);
        if (done) {
          promoted = done.promoted;
          kept = done.kept ?? [];
          return;
        }
        const approval = await approvalOf(tx, runId);
        const signedOff = approval !== undefined || (await requiredApproversOf(tx, runId)) === 0;
        if (!signedOff) throw new Error(`run ${runId} is not approved: nothing to publish`);
        const actor = approval?.reviewer ?? 'acvloop';
        // A pilot publishes its own outputs; the organisation-wide champion and budget stay where they are.
        const { scope } = await registeredRun(tx, runId);
        if (!isOrgWide(scope)) {
          await writeAudit(client, { actor, action: 'pilot.published', runId, after: { pilot: scope },
            reason: `pilot ${describeRunScope(scope!)} published: its own outputs only; no champion alias and no budget moves`, key: `pilot.published:${runId}` });
          await insertPublication(tx, runId, { promoted, kept, pilot: scope, tables: PUBLISHED_TABLES, signedOffBy: actor });
          await insertRunOutcome(tx, runId, 'completed');
          return;
        }
        // Runs of the earlier release have no gate verdict: all their versions were promoted on approval.
        const promote: string[] | null = (await gateVerdictOf(tx, runId))?.promote ?? null;
        const moving = (await modelVersionsOfRun(tx, runId)).filter((v) => !promote || promote.includes(v.family));
        const { month } = await registeredRun(tx, runId);
        const newer = await championsNewerThan(client, month, moving.map((v) => v.family));
        const askedBy = await promoteOlderAskedBy(tx, runId);
        for (const v of moving) {
          const held = newer.find((n) => n.family === v.family);
          if (held && !askedBy.length) {
            kept.push({ family: v.family, champion: held.champion, month: held.month });
            await writeAudit(client, { actor, action: 'alias.kept', runId,
              before: { family: v.family, alias: 'champion', version: held.champion }, after: { family: v.family, alias: 'champion', version: held.champion },
              reason: `run ${runId} (${month}) is older than the champion's run ${held.runId} (${held.month}) and was approved without --promote-older: the champion stays`,
              modelVersion: v.model_version_id, key: `alias.kept:${runId}:${v.family}` });
            continue;
          }
          const moved = await moveAlias(client, { family: v.family, alias: 'champion', to: v.model_version_id, actor, runId, action: 'alias.move',
            reason: held ? `approved run published (older than the champion's run ${held.runId} of ${held.month}: promoted as ${askedBy.join(', ')} asked)` : 'approved run published' });
          promoted.push({ family: v.family, from: moved.from, to: moved.to });
        }
        // The budget that now applies, old -> new per channel, by whoever signed it off (or none needed).
        const budget = await budgetOfRun(tx, runId);
        if (budget.length) {
          await writeAudit(client, { actor, action: 'budget.applied', runId,
            before: { budget: Object.fromEntries(budget.map((b) => [b.channel, b.current])) },
            after: { budget: Object.fromEntries(budget.map((b) => [b.channel, b.recommended])) },
            reason: approval ? `approved by ${actor}` : 'within the guardrails and nothing else to sign off: applied without sign-off',
            key: `budget.applied:${runId}` });
        }
        const outputs = { promoted, kept, tables: PUBLISHED_TABLES, signedOffBy: actor };
        await insertPublication(tx, runId, outputs);
        await insertRunOutcome(tx, runId, 'completed');
      });
      return {
        summary: { promoted: promoted.length, kept: kept.length },
        inputs: ['approvals', 'approval_decisions', 'approval_requests', 'gate_verdicts', 'model_versions', 'budget_recommendations'].map((t) => pgDataset(deps.db.schema, t)),
        outputs: ['model_alias_events', 'publications', 'audit_log'].map((t) => pgDataset(deps.db.schema, t)),
      };
    });
  };
}

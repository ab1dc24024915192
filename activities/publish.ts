import { ActivityDeps, inLockedTransaction, withStage } from './context';
import { pgDataset } from './lineage-event';
import { moveAlias } from './registry';
import { writeAudit } from './audit';

/**
 * Publish: the run's outputs are marked published and the model versions the
 * gate let through become champion (alias moves recorded as events and
 * audited, never updates). It needs the run's sign-off: the approval, or an
 * approval request that asked for none (nothing promoted, a budget within
 * the share that needs sign-off: applied and logged). Runs once per run: a
 * retry finds the publication and stops.
 */
export function publishActivity(deps: ActivityDeps) {
  return async function publish({ runId }: { runId: string }) {
    return withStage(deps, runId, 'publish', async () => {
      let promoted: { family: string; from: string | null; to: string }[] = [];
      // One lock for the registry: alias moves of concurrent runs must not interleave.
      await inLockedTransaction(deps, 'registry', async (client) => {
        const done = await client.query('select outputs from publications where run_id = $1', [runId]);
        if (done.rowCount) {
          promoted = done.rows[0].outputs.promoted;
          return;
        }
        const approval = await client.query(`select reviewer from approvals where run_id = $1 and decision = 'approved'`, [runId]);
        const request = await client.query('select required_approvers from approval_requests where run_id = $1', [runId]);
        const signedOff = approval.rowCount || (request.rowCount && request.rows[0].required_approvers === 0);
        if (!signedOff) throw new Error(`run ${runId} is not approved: nothing to publish`);
        const actor = approval.rows[0]?.reviewer ?? 'acvloop';
        // Runs of the earlier release have no gate verdict: all their versions were promoted on approval.
        const verdict = await client.query('select promote from gate_verdicts where run_id = $1', [runId]);
        const versions = await client.query('select family, model_version_id from model_versions where run_id = $1 order by family', [runId]);
        const promote: string[] | null = verdict.rowCount ? verdict.rows[0].promote : null;
        for (const v of versions.rows) {
          if (promote && !promote.includes(v.family)) continue;
          const moved = await moveAlias(client, { family: v.family, alias: 'champion', to: v.model_version_id, actor, runId,
            reason: 'approved run published', action: 'alias.move' });
          promoted.push({ family: v.family, from: moved.from, to: moved.to });
        }
        // The budget that now applies, old -> new per channel, by whoever signed it off (or none needed).
        const budget = await client.query('select channel, current, recommended from budget_recommendations where run_id = $1 order by channel', [runId]);
        if (budget.rowCount) {
          await writeAudit(client, { actor, action: 'budget.applied', runId,
            before: { budget: Object.fromEntries(budget.rows.map((b) => [b.channel, b.current])) },
            after: { budget: Object.fromEntries(budget.rows.map((b) => [b.channel, b.recommended])) },
            reason: approval.rowCount ? `approved by ${actor}` : 'within the guardrails and nothing else to sign off: applied without sign-off',
            key: `budget.applied:${runId}` });
        }
        const outputs = { promoted, tables: ['attribution', 'kpis', 'contract_scores', 'forecasts', 'budget_recommendations'], signedOffBy: actor };
        await client.query('insert into publications (run_id, outputs) values ($1, $2)', [runId, JSON.stringify(outputs)]);
        await client.query(`insert into run_outcomes (run_id, status) values ($1, 'completed') on conflict do nothing`, [runId]);
      });
      return {
        summary: { promoted: promoted.length },
        inputs: ['approvals', 'approval_requests', 'gate_verdicts', 'model_versions', 'budget_recommendations'].map((t) => pgDataset(deps.db.schema, t)),
        outputs: ['model_alias_events', 'publications', 'audit_log'].map((t) => pgDataset(deps.db.schema, t)),
      };
    });
  };
}

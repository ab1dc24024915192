import { ActivityDeps, inLockedTransaction, withStage } from './context';
import { pgDataset } from './lineage-event';

/**
 * Publish: the approved run's model versions become champion (an alias move
 * recorded as an event, never an update) and its outputs are marked
 * published. Runs once per run: a retry finds the publication and stops.
 */
export function publishActivity(deps: ActivityDeps) {
  return async function publish({ runId }: { runId: string }) {
    return withStage(deps, runId, 'publish', async () => {
      let promoted: { family: string; from: string | null; to: string }[] = [];
      // One lock for all publications: alias moves of concurrent runs must not interleave.
      await inLockedTransaction(deps, 'publish', async (client) => {
        const done = await client.query('select outputs from publications where run_id = $1', [runId]);
        if (done.rowCount) {
          promoted = done.rows[0].outputs.promoted;
        } else {
          const approval = await client.query(`select reviewer from approvals where run_id = $1 and decision = 'approved'`, [runId]);
          if (!approval.rowCount) throw new Error(`run ${runId} is not approved: nothing to publish`);
          const versions = await client.query('select family, model_version_id from model_versions where run_id = $1 order by family', [runId]);
          for (const v of versions.rows) {
            const prev = await client.query(
              `select model_version_id from model_alias_events where family = $1 and alias = 'champion' order by id desc limit 1`, [v.family]);
            const from = prev.rows[0]?.model_version_id ?? null;
            await client.query(
              `insert into model_alias_events (family, alias, model_version_id, run_id) values ($1, 'champion', $2, $3)`,
              [v.family, v.model_version_id, runId]);
            await client.query(
              `insert into audit_log (actor, action, run_id, before, after, reason, dedupe_key) values ($1, 'alias.move', $2, $3, $4, $5, $6)`,
              [approval.rows[0].reviewer, runId, JSON.stringify({ family: v.family, alias: 'champion', version: from }),
                JSON.stringify({ family: v.family, alias: 'champion', version: v.model_version_id }), 'approved run published',
                `alias.move:${runId}:${v.family}`]);
            promoted.push({ family: v.family, from, to: v.model_version_id });
          }
          const outputs = { promoted, tables: ['attribution', 'kpis', 'contract_scores', 'forecasts', 'budget_recommendations'] };
          await client.query('insert into publications (run_id, outputs) values ($1, $2)', [runId, JSON.stringify(outputs)]);
          await client.query(`insert into run_outcomes (run_id, status) values ($1, 'completed') on conflict do nothing`, [runId]);
        }
      });
      return {
        summary: { promoted: promoted.length },
        inputs: ['approvals', 'model_versions'].map((t) => pgDataset(deps.db.schema, t)),
        outputs: ['model_alias_events', 'publications'].map((t) => pgDataset(deps.db.schema, t)),
      };
    });
  };
}

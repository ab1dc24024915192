import { rollUpAccounts } from '../models/graph';
import { inLockedTransaction } from '../store/transaction';
import { copyAccountRollup, EDGE_RELATIONS, graphEdgeCount, insertGraphEdges, runHasGraph } from '../store/graph';
import { ActivityDeps, validatedBatchOf, heartbeat, withStage } from './context';
import { loadSources } from './load';
import { pgDataset } from '../lib/openlineage';

/**
 * Graph: the account graph of the run. Subsidiaries roll up to their top
 * parent (`account_rollup`), and `graph_edges` links touchpoint channels ->
 * accounts (weighted by touches) -> opportunities -> contracts -> renewals.
 * The big edge sets are built inside Postgres (INSERT … SELECT), not in JS.
 */
export function graphActivity(deps: ActivityDeps) {
  return async function buildGraph({ runId }: { runId: string }) {
    return withStage(deps, runId, 'graph', async () => {
      const batchId = await validatedBatchOf(deps, runId);
      const { accounts } = await loadSources(deps, batchId, ['accounts']);
      const { topParent, cycles } = rollUpAccounts(accounts);
      // Validation quarantines parent cycles; one here would mean a contract bug, so say so loudly.
      if (cycles.length) throw new Error(`account parent cycles survived validation: ${cycles.map((c) => c.join(' -> ')).join('; ')}`);
      const depthOf = new Map<string, number>();
      const parentOf = new Map(accounts.map((a) => [a.account_id, a.parent_account_id]));
      const depth = (id: string): number => {
        const known = depthOf.get(id);
        if (known !== undefined) return known;
        const p = parentOf.get(id);
        const d = p ? depth(p) + 1 : 0;
        depthOf.set(id, d);
        return d;
      };
      let edges = 0;
      await inLockedTransaction(deps, `graph:${runId}`, async (client, tx) => {
        if (!(await runHasGraph(tx, runId))) {
          await copyAccountRollup(client, accounts.map((a) =>
            ({ run_id: runId, account_id: a.account_id, top_parent_id: topParent.get(a.account_id) ?? a.account_id, depth: depth(a.account_id) })));
          heartbeat({ rollup: accounts.length });
          for (const relation of EDGE_RELATIONS) {
            edges += await insertGraphEdges(tx, runId, batchId, relation);
            heartbeat({ relation });
          }
        } else {
          edges = await graphEdgeCount(tx, runId);
        }
      });
      const families = new Set(topParent.values()).size;
      return {
        summary: { accounts: accounts.length, families, edges },
        inputs: ['src_accounts', 'src_opportunities', 'src_contracts', 'src_touchpoints'].map((t) => pgDataset(deps.db.schema, t)),
        outputs: ['account_rollup', 'graph_edges'].map((t) => pgDataset(deps.db.schema, t)),
      };
    });
  };
}

import { rollUpAccounts } from '../models/graph';
import { copyRows } from '../sql/copy';
import { inLockedTransaction } from '../store/transaction';
import { ActivityDeps, validatedBatchOf, heartbeat, withStage } from './context';
import { loadSources } from './load';
import { pgDataset } from './lineage-event';

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
      await inLockedTransaction(deps, `graph:${runId}`, async (client) => {
        const done = await client.query('select 1 from account_rollup where run_id = $1 limit 1', [runId]);
        if (!done.rowCount) {
          await copyRows(client, 'account_rollup', ['run_id', 'account_id', 'top_parent_id', 'depth'], accounts,
            (a) => [runId, a.account_id, topParent.get(a.account_id) ?? a.account_id, depth(a.account_id)]);
          heartbeat({ rollup: accounts.length });
          const inserts: [string, string][] = [
            ['subsidiary_of', `select $1, 'account', account_id, 'subsidiary_of', 'account', parent_account_id, 1
               from src_accounts where batch_id = $2 and parent_account_id is not null`],
            ['opportunity_of', `select $1, 'opportunity', opportunity_id, 'opportunity_of', 'account', account_id, amount_usd
               from src_opportunities where batch_id = $2`],
            ['originated_by', `select $1, 'contract', contract_id, 'originated_by', 'opportunity', opportunity_id, acv_usd
               from src_contracts where batch_id = $2 and opportunity_id is not null`],
            ['renews', `select $1, 'contract', contract_id, 'renews', 'contract', previous_contract_id, acv_usd
               from src_contracts where batch_id = $2 and previous_contract_id is not null`],
            ['touched', `select $1, 'channel', channel, 'touched', 'account', account_id, count(*)
               from src_touchpoints where batch_id = $2 group by channel, account_id`],
          ];
          for (const [relation, select] of inserts) {
            const r = await client.query(
              `insert into graph_edges (run_id, src_kind, src_id, relation, dst_kind, dst_id, weight) ${select}`, [runId, batchId]);
            edges += r.rowCount ?? 0;
            heartbeat({ relation });
          }
        } else {
          const r = await client.query('select count(*)::int as n from graph_edges where run_id = $1', [runId]);
          edges = r.rows[0].n;
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

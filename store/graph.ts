import { sql, type Kysely, type Selectable } from 'kysely';
import type { PoolClient } from 'pg';
import { copyColumns, copyRows } from '../sql/copy';
import type { AccountRollupTable, Database } from '../sql/database';

/**
 * The account graph of a run: each account's top parent (account_rollup,
 * loaded by COPY) and the edges between accounts, opportunities, contracts
 * and channels (graph_edges), built in Postgres from the batch's source rows.
 */

/** Whether the run's graph is stored already (a retry then builds nothing). */
export async function runHasGraph(db: Kysely<Database>, runId: string): Promise<boolean> {
  return (await db.selectFrom('account_rollup').select('run_id').where('run_id', '=', runId).limit(1).executeTakeFirst()) !== undefined;
}

export async function graphEdgeCount(db: Kysely<Database>, runId: string): Promise<number> {
  const r = await db.selectFrom('graph_edges').select((eb) => eb.fn.countAll<number>().as('n')).where('run_id', '=', runId).executeTakeFirstOrThrow();
  return Number(r.n);
}

const EDGE_COLUMNS = ['run_id', 'src_kind', 'src_id', 'relation', 'dst_kind', 'dst_id', 'weight'] as const;
export const EDGE_RELATIONS = ['subsidiary_of', 'opportunity_of', 'originated_by', 'renews', 'touched'] as const;
export type EdgeRelation = (typeof EDGE_RELATIONS)[number];

/** Inserts the run's edges of one relation, read from the batch's source rows in one statement; returns how many. */
export async function insertGraphEdges(db: Kysely<Database>, runId: string, batchId: string, relation: EdgeRelation): Promise<number> {
  const run = sql.val(runId);
  const lit = (v: string) => sql.lit(v);
  const edges = {
    subsidiary_of: () => db.selectFrom('src_accounts')
      .select([run.as('run_id'), lit('account').as('src_kind'), 'account_id', lit('subsidiary_of').as('relation'), lit('account').as('dst_kind'),
        'parent_account_id', sql.lit(1).as('weight')])
      .where('batch_id', '=', batchId).where('parent_account_id', 'is not', null),
    opportunity_of: () => db.selectFrom('src_opportunities')
      .select([run.as('run_id'), lit('opportunity').as('src_kind'), 'opportunity_id', lit('opportunity_of').as('relation'), lit('account').as('dst_kind'),
        'account_id', 'amount_usd'])
      .where('batch_id', '=', batchId),
    originated_by: () => db.selectFrom('src_contracts')
      .select([run.as('run_id'), lit('contract').as('src_kind'), 'contract_id', lit('originated_by').as('relation'), lit('opportunity').as('dst_kind'),
        'opportunity_id', 'acv_usd'])
      .where('batch_id', '=', batchId).where('opportunity_id', 'is not', null),
    renews: () => db.selectFrom('src_contracts')
      .select([run.as('run_id'), lit('contract').as('src_kind'), 'contract_id', lit('renews').as('relation'), lit('contract').as('dst_kind'),
        'previous_contract_id', 'acv_usd'])
      .where('batch_id', '=', batchId).where('previous_contract_id', 'is not', null),
    touched: () => db.selectFrom('src_touchpoints')
      .select((eb) => [run.as('run_id'), lit('channel').as('src_kind'), 'channel', lit('touched').as('relation'), lit('account').as('dst_kind'),
        'account_id', eb.fn.countAll().as('weight')])
      .where('batch_id', '=', batchId).groupBy(['channel', 'account_id']),
  } satisfies Record<EdgeRelation, () => unknown>;
  const r = await db.insertInto('graph_edges').columns(EDGE_COLUMNS).expression(edges[relation]()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n);
}

const ROLLUP_COLUMNS = copyColumns<AccountRollupTable>()(['run_id', 'account_id', 'top_parent_id', 'depth']);

/** Each account's top parent and its depth below it, for the run. */
export function copyAccountRollup(client: PoolClient, rows: Iterable<Selectable<AccountRollupTable>>): Promise<number> {
  return copyRows(client, 'account_rollup', ROLLUP_COLUMNS, rows, (r) => [r.run_id, r.account_id, r.top_parent_id, r.depth]);
}

/** The graph stage's output: edges between accounts, opportunities, contracts and touches, and each account's top parent. */

export interface GraphEdgesTable {
  run_id: string; src_kind: string; src_id: string; relation: string; dst_kind: string; dst_id: string; weight: number;
}

export interface AccountRollupTable {
  run_id: string; account_id: string; top_parent_id: string; depth: number;
}

/** The graph tables by name. */
export interface GraphTables {
  graph_edges: GraphEdgesTable;
  account_rollup: AccountRollupTable;
}

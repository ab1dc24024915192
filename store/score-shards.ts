import type { Kysely } from 'kysely';
import type { DropRows } from '../contracts/rows';
import type { Database } from '../sql/database';
import type { Db } from '../sql/db';
import { readSourceRowsWhere } from './source-rows';

/**
 * The score stage in shards (activities/score-shards.ts): a run's plan, the
 * shards stored so far, and each shard's rows. An account's shard is the
 * first 28 bits of the md5 of its id modulo the shard count: the same on
 * every Postgres and machine, and even over any ids.
 */
const shardOfAccount = (column: string, shardsParam: string, shardParam: string) =>
  `mod(('x' || substr(md5(${column}), 1, 7))::bit(28)::int, ${shardsParam}) = ${shardParam}`;

/** What every shard of a run shares, as stored: the serving renewal version and the plan's JSON. */
export interface StoredScorePlan { shards: number; model_version_id: string; plan: unknown }

/** Stores a run's scoring plan unless it has one, and returns the one stored (a retry gets the first). */
export async function saveScorePlan(db: Kysely<Database>, runId: string, plan: StoredScorePlan): Promise<StoredScorePlan> {
  await db.insertInto('score_plans').values({ run_id: runId, shards: plan.shards, model_version_id: plan.model_version_id, plan: JSON.stringify(plan.plan) })
    .onConflict((oc) => oc.column('run_id').doNothing()).execute();
  return (await scorePlanOf(db, runId))!;
}

export async function scorePlanOf(db: Kysely<Database>, runId: string): Promise<StoredScorePlan | undefined> {
  return db.selectFrom('score_plans').select(['shards', 'model_version_id', 'plan']).where('run_id', '=', runId).executeTakeFirst();
}

/** How many contracts a shard stored, or undefined while it has stored none (also read inside the transaction that would store them). */
export async function storedShard(db: Kysely<Database>, runId: string, shard: number): Promise<number | undefined> {
  return (await db.selectFrom('score_shards').select('contracts').where('run_id', '=', runId).where('shard', '=', shard).executeTakeFirst())?.contracts;
}

/** Records a shard as stored, in the transaction that stores its scores. */
export async function recordScoreShard(tx: Kysely<Database>, row: { run_id: string; shard: number; contracts: number; worker: string; attempt: number }): Promise<void> {
  await tx.insertInto('score_shards').values(row).execute();
}

/** The shards of a run stored so far, in shard order. */
export async function scoredShards(db: Kysely<Database>, runId: string): Promise<{ shard: number; contracts: number; worker: string; attempt: number }[]> {
  return db.selectFrom('score_shards').select(['shard', 'contracts', 'worker', 'attempt']).where('run_id', '=', runId).orderBy('shard').execute();
}

/** The months the batch's usage spans, and whether every row carries active users. */
export async function usageSpan(handle: Db, batchId: string): Promise<{ firstMonth: string | null; lastMonth: string | null; withUsers: boolean }> {
  const { rows } = await handle.pool.query(
    `select min(month) as first, max(month) as last, coalesce(bool_and(active_users is not null), false) as with_users
       from src_usage where batch_id = $1`, [batchId]);
  return { firstMonth: rows[0].first, lastMonth: rows[0].last, withUsers: rows[0].with_users };
}

/**
 * The usage rows of at most `accounts` accounts of the batch, the same ones on every call (the smallest md5 of their ids);
 * of a pilot's accounts (`within`) when given.
 */
export function usageSample(handle: Db, batchId: string, accounts: number, columns: readonly string[], within?: readonly string[]): Promise<Record<string, unknown>[]> {
  const scoped = within ? ' and account_id = any($3)' : '';
  return readSourceRowsWhere(handle, 'usage', columns, {
    where: `batch_id = $1 and account_id in (select account_id from (select distinct account_id from src_usage where batch_id = $1${scoped}) a order by md5(account_id) limit $2)`,
    values: within ? [batchId, accounts, within] : [batchId, accounts],
  });
}

type ColumnsOf<F extends keyof DropRows> = readonly (keyof DropRows[F][number] & string)[];

/** A shard's rows: its accounts, their usage, and their contracts with every contract of the same renewal chains. */
export interface ShardRows<A, C, U> { accounts: A[]; contracts: C[]; usage: U[] }

type Progress = (detail: Record<string, unknown>) => void;

/**
 * The rows one shard scores from. The contracts are the shard's accounts'
 * plus every contract linked to them through `previous_contract_id` in
 * either direction (a renewal signed by another account of the group still
 * tells whether a contract was renewed, and how long its chain is); only
 * contracts of the shard's own accounts are scored.
 *
 * Every read is a filter the planner cannot get wrong: the md5 test on the
 * file's own account column, or a lookup of listed ids in a key's index.
 * The tables were just loaded by COPY and are not analysed yet (the
 * worker's role may not ANALYZE), so a join would be planned on guesses: a
 * recursive query for the chains ran for minutes at 100k accounts.
 */
export async function readScoreShardRows<A, C, U>(
  handle: Db, batchId: string, shard: { index: number; count: number },
  columns: { accounts?: ColumnsOf<'accounts'>; contracts?: ColumnsOf<'contracts'>; usage?: ColumnsOf<'usage'> },
  progress: Progress, within?: readonly string[],
): Promise<ShardRows<A, C, U>> {
  // A pilot's shard holds only the pilot's accounts (`within`, store/pilot-scope.ts), looked up in the key's index.
  const inShard = within
    ? { where: `batch_id = $1 and ${shardOfAccount('account_id', '$3', '$2')} and account_id = any($4)`, values: [batchId, shard.index, shard.count, within] }
    : { where: `batch_id = $1 and ${shardOfAccount('account_id', '$3', '$2')}`, values: [batchId, shard.index, shard.count] };
  const accounts = await readSourceRowsWhere(handle, 'accounts', columns.accounts, inShard, progress);
  const contracts = await readWholeChains(handle, batchId, columns.contracts, await readSourceRowsWhere(handle, 'contracts', withLine(columns.contracts), inShard, progress), progress);
  const ids = accounts.map((a) => a.account_id);
  const usage = ids.length === 0 ? [] : await readSourceRowsWhere(handle, 'usage', columns.usage, { where: 'batch_id = $1 and account_id = any($2)', values: [batchId, ids] }, progress);
  return { accounts: accounts as A[], contracts: contracts as C[], usage: usage as U[] };
}

/** The columns asked for with `line` and the chain's two ids, which the walk below needs. */
const withLine = (cols: ColumnsOf<'contracts'> | undefined): ColumnsOf<'contracts'> | undefined =>
  cols === undefined ? undefined : [...new Set([...cols, 'line', 'contract_id', 'previous_contract_id'] as const)];

/**
 * The contracts given, with every contract of their renewal chains: each
 * round reads the predecessors not yet held (by contract id) and the
 * renewals of the contracts found last round (by previous_contract_id),
 * until a round finds none. In line order, as a file's rows always are.
 */
export async function readWholeChains(
  handle: Db, batchId: string, cols: ColumnsOf<'contracts'> | undefined, start: Record<string, unknown>[], progress?: Progress,
): Promise<Record<string, unknown>[]> {
  const held = new Map(start.map((c) => [c.contract_id as string, c]));
  let found = start;
  while (found.length > 0) {
    const predecessors = [...new Set(found.map((c) => c.previous_contract_id as string | null).filter((id): id is string => id !== null && !held.has(id)))];
    const renewed = found.map((c) => c.contract_id as string);
    const next = [
      ...(predecessors.length ? await readSourceRowsWhere(handle, 'contracts', withLine(cols), { where: 'batch_id = $1 and contract_id = any($2)', values: [batchId, predecessors] }, progress) : []),
      ...await readSourceRowsWhere(handle, 'contracts', withLine(cols), { where: 'batch_id = $1 and previous_contract_id = any($2)', values: [batchId, renewed] }, progress),
    ];
    found = [];
    for (const c of next) {
      if (held.has(c.contract_id as string)) continue;
      held.set(c.contract_id as string, c);
      found.push(c);
    }
  }
  return [...held.values()].sort((a, b) => (a.line as number) - (b.line as number));
}

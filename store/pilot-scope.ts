import { monthFromIndex, monthIndex } from '../lib/dates';
import type { DropRows } from '../contracts/rows';
import type { Db } from '../sql/db';
import { describeRunScope, pilotRowsText, type RunScope } from '../lib/run-scope';
import { readSourceRowsWhere } from './source-rows';
import type { LoadedSources, SourceColumns } from './source-rows';

/**
 * A pilot's rows (issue 17, part 6): the batch's validated rows a pilot run
 * works on. Its scope is resolved once per stage to the ids of the accounts
 * in it, and every account-keyed file is read through them:
 * - accounts, opportunities, contracts, usage: the rows of those accounts;
 * - touchpoints: of those accounts, and of the named campaigns when the
 *   scope names some;
 * - invoices: those of the contracts of those accounts;
 * - spend: each channel-month's spend apportioned by the scope's share of
 *   that channel-month's touches (a media-mix model fitted on a subset with
 *   the company's whole spend would credit the subset with everyone's money);
 *   a channel-month without touches takes the scope's share of the channel's
 *   touches, a channel without any the scope's share of all touches;
 * - experiments: a lift test's incremental ACV and its standard error scaled
 *   by the scope's share of the channel's touches over the test's months;
 * - fx_rates: whole (rates are no one's).
 */
export interface SourceScope {
  scope: RunScope;
  /** The scope's accounts, sorted. */
  accounts: string[];
  /** The named campaigns, or null when the scope names none. */
  campaigns: string[] | null;
}

/**
 * The accounts of a pilot's scope in the run's account graph: those whose
 * top parent (account_rollup, written by the graph stage) has the scope's
 * region (in any case) and segment; with campaigns, only the families of
 * which some account was touched by one of them. Empty before the graph
 * stage has run.
 * @example
 * const scoped = await resolveSourceScope(db, runId, batchId, { region: 'EMEA' });
 */
export async function resolveSourceScope(handle: Db, runId: string, batchId: string, scope: RunScope): Promise<SourceScope> {
  const campaigns = scope.campaigns?.length ? [...scope.campaigns].sort() : null;
  const { rows } = await handle.pool.query<{ account_id: string }>(
    `select r.account_id from account_rollup r
       join src_accounts p on p.batch_id = $1 and p.account_id = r.top_parent_id
      where r.run_id = $2
        and ($3::text is null or lower(p.region) = lower($3))
        and ($4::text is null or p.segment = $4)
        and ($5::text[] is null or r.top_parent_id in (
              select t.top_parent_id from account_rollup t
               where t.run_id = $2 and t.account_id in (select account_id from src_touchpoints where batch_id = $1 and campaign_id = any($5))))
      order by r.account_id`,
    [batchId, runId, scope.region ?? null, scope.segment ?? null, campaigns]);
  return { scope, accounts: rows.map((r) => r.account_id), campaigns };
}

/** The filter of one account-keyed file's rows in the scope, or null for a file read whole and apportioned (spend, experiments, fx_rates). */
function scopeFilter(file: keyof DropRows, batchId: string, s: SourceScope): { where: string; values: unknown[] } | null {
  const values = [batchId, s.accounts];
  switch (file) {
    case 'accounts': case 'opportunities': case 'contracts': case 'usage':
      return { where: 'batch_id = $1 and account_id = any($2)', values };
    case 'touchpoints':
      return s.campaigns
        ? { where: 'batch_id = $1 and account_id = any($2) and campaign_id = any($3)', values: [...values, s.campaigns] }
        : { where: 'batch_id = $1 and account_id = any($2)', values };
    case 'invoices':
      return { where: 'batch_id = $1 and contract_id in (select contract_id from src_contracts where batch_id = $1 and account_id = any($2))', values };
    default:
      return null;
  }
}

/**
 * readSourceRows (store/source-rows.ts) for a pilot: the same files and
 * columns, each read in the scope as described above, in line order.
 * @example
 * const { contracts } = await readScopedSourceRows(db, batchId, ['contracts'], undefined, scoped);
 */
export async function readScopedSourceRows<F extends keyof DropRows, const C extends SourceColumns<F> = {}>(
  handle: Db, batchId: string, files: readonly F[], columns: C | undefined, s: SourceScope,
  progress: (detail: Record<string, unknown>) => void = () => {},
): Promise<LoadedSources<F, C>> {
  const out = {} as Record<string, unknown>;
  let shares: TouchShares | undefined;
  for (const file of files) {
    const asked = (columns as Record<string, readonly string[] | undefined> | undefined)?.[file];
    const filter = scopeFilter(file, batchId, s);
    if (filter) {
      out[file] = await readSourceRowsWhere(handle, file, asked, filter, progress);
      continue;
    }
    const whole = { where: 'batch_id = $1', values: [batchId] };
    if (file === 'spend') {
      shares ??= await touchShares(handle, batchId, s);
      const rows = await readSourceRowsWhere(handle, file, asked && [...new Set([...asked, 'month', 'channel'])], whole, progress);
      out[file] = rows.map((r) => scaled(r, ['amount', 'amount_usd'], shares!.of(r.channel as string, [r.month as string])));
    } else if (file === 'experiments') {
      shares ??= await touchShares(handle, batchId, s);
      const rows = await readSourceRowsWhere(handle, file, asked && [...new Set([...asked, 'channel', 'start', 'end'])], whole, progress);
      out[file] = rows.map((r) => scaled(r, ['incremental_acv', 'stderr'], shares!.of(r.channel as string, monthsBetween(r.start as string, r.end as string))));
    } else {
      out[file] = await readSourceRowsWhere(handle, file, asked, whole, progress);
    }
  }
  return out as LoadedSources<F, C>;
}

/** The row with each of `columns` it holds multiplied by `share`. */
function scaled(row: Record<string, unknown>, columns: readonly string[], share: number): Record<string, unknown> {
  const out = { ...row };
  for (const c of columns) if (typeof out[c] === 'number') out[c] = (out[c] as number) * share;
  return out;
}

/** The months from `start` to `end` (YYYY-MM), both included. */
function monthsBetween(start: string, end: string): string[] {
  const first = monthIndex(start);
  return Array.from({ length: Math.max(0, monthIndex(end) - first + 1) }, (_, k) => monthFromIndex(first + k));
}

interface TouchShares {
  /** The scope's share of the channel's touches over these months (see SourceScope's fallbacks). */
  of(channel: string, months: readonly string[]): number;
}

/** The scope's touches and all touches by channel and month of the batch (UTC months), as shares. */
async function touchShares(handle: Db, batchId: string, s: SourceScope): Promise<TouchShares> {
  const campaign = s.campaigns ? ' and campaign_id = any($3)' : '';
  const { rows } = await handle.pool.query<{ channel: string; month: string; total: string; scoped: string }>(
    `select channel, to_char(occurred_at at time zone 'UTC', 'YYYY-MM') as month, count(*) as total,
            count(*) filter (where account_id = any($2)${campaign}) as scoped
       from src_touchpoints where batch_id = $1 group by 1, 2`,
    s.campaigns ? [batchId, s.accounts, s.campaigns] : [batchId, s.accounts]);
  const cell = new Map(rows.map((r) => [`${r.channel}|${r.month}`, { all: Number(r.total), scoped: Number(r.scoped) }]));
  const sum = (keep: (r: (typeof rows)[number]) => boolean) => rows.filter(keep).reduce((a, r) => ({ all: a.all + Number(r.total), scoped: a.scoped + Number(r.scoped) }), { all: 0, scoped: 0 });
  const overall = sum(() => true);
  const ratio = (c: { all: number; scoped: number }) => (c.all > 0 ? c.scoped / c.all : null);
  return {
    of(channel, months) {
      const within = months.map((m) => cell.get(`${channel}|${m}`)).filter((c) => c !== undefined)
        .reduce((a, c) => ({ all: a.all + c!.all, scoped: a.scoped + c!.scoped }), { all: 0, scoped: 0 });
      return ratio(within) ?? ratio(sum((r) => r.channel === channel)) ?? ratio(overall) ?? 0;
    },
  };
}

/** The scope in one line for summaries and lineage: `region=EMEA: 312 accounts; spend apportioned by touch share`. */
export function scopeNote(s: SourceScope): string {
  return `pilot ${describeRunScope(s.scope)}: ${s.accounts.length} accounts; ${pilotRowsText(s.scope)}`;
}

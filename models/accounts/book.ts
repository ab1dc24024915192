/**
 * The rows the account models read, grouped by account once: every feature
 * and outcome at any cut date is then a walk over one account's own rows (and
 * its family's), so fitting on several cuts stays linear in the rows.
 *
 * Columns read (and only these):
 * - accounts: account_id, parent_account_id (the family tree), segment,
 *   region, industry, created_at (an account is known from its creation);
 * - opportunities: account_id, created_at, closed_at, stage, amount_usd;
 * - contracts: contract_id, account_id, previous_contract_id, product,
 *   start_date, end_date, acv_usd. Not `status`: it is the contract's state at
 *   the end of the drop, and reading it at an earlier cut would leak the future;
 * - usage: account_id, month, active_users, usage_units.
 *
 * Dates become day numbers (days since 1970-01-01) in typed arrays, each
 * account's rows a contiguous run (compressed rows: the rows of slot s are
 * start[s] .. start[s + 1] − 1), sorted by date within the run.
 */
import type { AccountRow, ContractRow, OpportunityRow, UsageRow } from '../../contracts/rows';
import { DAY_MS, monthIndex, toMs } from '../../lib/dates';

export type BookAccount = Pick<AccountRow, 'account_id' | 'parent_account_id' | 'segment' | 'region' | 'industry' | 'created_at'>;
export type BookOpportunity = Pick<OpportunityRow, 'account_id' | 'created_at' | 'closed_at' | 'stage' | 'amount_usd'>;
export type BookContract = Pick<ContractRow, 'contract_id' | 'account_id' | 'previous_contract_id' | 'product' | 'start_date' | 'end_date' | 'acv_usd'>;
export type BookUsage = Pick<UsageRow, 'account_id' | 'month' | 'active_users' | 'usage_units'>;

export interface BookRows {
  accounts: readonly BookAccount[];
  opportunities: readonly BookOpportunity[];
  contracts: readonly BookContract[];
  usage?: readonly BookUsage[];
}

/** Stage codes of an opportunity. */
export const OPEN = 0;
export const WON = 1;
export const LOST = 2;

export interface AccountBook {
  /** account_id of each slot, in the order of the accounts rows. */
  ids: string[];
  slot: Map<string, number>;
  segment: string[];
  region: string[];
  industry: string[];
  createdDay: Int32Array;
  /** Slot of each account's parent, −1 for none (or one not in the rows). */
  parent: Int32Array;
  opportunities: {
    start: Int32Array;
    /** Sorted by created day within an account. */
    created: Int32Array;
    /** −1 while open (no closed_at). */
    closed: Int32Array;
    stage: Uint8Array;
    amountUsd: Float64Array;
  };
  contracts: {
    start: Int32Array;
    /** Sorted by start day within an account. */
    startDay: Int32Array;
    endDay: Int32Array;
    acvUsd: Float64Array;
    /** ACV of the contract it renews; NaN for new business (no previous_contract_id, or one not in the rows). */
    previousAcvUsd: Float64Array;
    /** Contracts before it in its renewal chain (0 for new business). */
    renewalsSoFar: Int32Array;
    /** Index into `products`, −1 when the contract names none. */
    product: Int32Array;
  };
  products: string[];
  usage: {
    start: Int32Array;
    /** Month index (lib/dates monthIndex), increasing within an account; several rows of one month are summed. */
    month: Int32Array;
    users: Float64Array;
    units: Float64Array;
  };
}

/** Day number of a `YYYY-MM-DD` date (days since 1970-01-01). */
export const dayNumber = (date: string): number => Math.round(toMs(date.slice(0, 10)) / DAY_MS);

/** Each row's slot and a permutation of the rows that groups them by slot, sorted by `key` within a slot (a counting sort). */
function groupBySlot(slots: Int32Array, key: ArrayLike<number>, accounts: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(accounts + 1);
  for (let i = 0; i < slots.length; i++) if (slots[i] >= 0) start[slots[i] + 1]++;
  for (let s = 0; s < accounts; s++) start[s + 1] += start[s];
  const fill = start.slice(0, accounts);
  const order = new Int32Array(start[accounts]);
  for (let i = 0; i < slots.length; i++) if (slots[i] >= 0) order[fill[slots[i]]++] = i;
  for (let s = 0; s < accounts; s++) {
    const run = Array.from(order.subarray(start[s], start[s + 1]));
    if (run.length > 1) {
      run.sort((a, b) => key[a] - key[b] || a - b);
      order.set(run, start[s]);
    }
  }
  return { start, order };
}

/**
 * The book of a drop's rows. Rows of an account not in `accounts` are
 * dropped (the drop's contracts already refuse them).
 *
 * @example
 * const book = accountBook({ accounts, opportunities, contracts, usage });
 * book.opportunities.created.subarray(book.opportunities.start[0], book.opportunities.start[1]); // the first account's opportunities
 */
export function accountBook(rows: BookRows): AccountBook {
  const n = rows.accounts.length;
  const slot = new Map<string, number>();
  rows.accounts.forEach((a, i) => slot.set(a.account_id, i));
  const parent = Int32Array.from(rows.accounts, (a) => (a.parent_account_id === null ? -1 : slot.get(a.parent_account_id) ?? -1));

  const opps = rows.opportunities;
  const oSlot = Int32Array.from(opps, (o) => slot.get(o.account_id) ?? -1);
  const oCreated = Int32Array.from(opps, (o) => dayNumber(o.created_at));
  const og = groupBySlot(oSlot, oCreated, n);
  const m = og.order.length;
  const opportunities = { start: og.start, created: new Int32Array(m), closed: new Int32Array(m), stage: new Uint8Array(m), amountUsd: new Float64Array(m) };
  og.order.forEach((i, k) => {
    const o = opps[i];
    opportunities.created[k] = oCreated[i];
    opportunities.closed[k] = o.closed_at === null ? -1 : dayNumber(o.closed_at);
    opportunities.stage[k] = o.stage === 'won' ? WON : o.stage === 'lost' ? LOST : OPEN;
    opportunities.amountUsd[k] = o.amount_usd;
  });

  const cons = rows.contracts;
  const byId = new Map<string, number>();
  cons.forEach((c, i) => byId.set(c.contract_id, i));
  const chain = new Int32Array(cons.length).fill(-1);
  const chainOf = (i: number): number => {
    if (chain[i] >= 0) return chain[i];
    // Walk up iteratively: chains can be long on a big book.
    const path: number[] = [];
    let j = i;
    while (chain[j] < 0) {
      path.push(j);
      const prev = cons[j].previous_contract_id;
      const p = prev === null ? undefined : byId.get(prev);
      if (p === undefined || path.length > cons.length) { chain[j] = 0; path.pop(); break; }
      j = p;
    }
    let depth = chain[j];
    for (let k = path.length - 1; k >= 0; k--) chain[path[k]] = ++depth;
    return chain[i];
  };
  const cSlot = Int32Array.from(cons, (c) => slot.get(c.account_id) ?? -1);
  const cStart = Int32Array.from(cons, (c) => dayNumber(c.start_date));
  const cg = groupBySlot(cSlot, cStart, n);
  const products: string[] = [];
  const productIndex = new Map<string, number>();
  const k2 = cg.order.length;
  const contracts = {
    start: cg.start, startDay: new Int32Array(k2), endDay: new Int32Array(k2), acvUsd: new Float64Array(k2),
    previousAcvUsd: new Float64Array(k2), renewalsSoFar: new Int32Array(k2), product: new Int32Array(k2),
  };
  cg.order.forEach((i, k) => {
    const c = cons[i];
    contracts.startDay[k] = cStart[i];
    contracts.endDay[k] = dayNumber(c.end_date);
    contracts.acvUsd[k] = c.acv_usd;
    const prev = c.previous_contract_id === null ? undefined : byId.get(c.previous_contract_id);
    contracts.previousAcvUsd[k] = prev === undefined ? NaN : cons[prev].acv_usd;
    contracts.renewalsSoFar[k] = chainOf(i);
    let p = -1;
    if (c.product !== null) {
      p = productIndex.get(c.product) ?? -1;
      if (p < 0) { p = products.length; products.push(c.product); productIndex.set(c.product, p); }
    }
    contracts.product[k] = p;
  });

  const use = rows.usage ?? [];
  const uSlot = Int32Array.from(use, (u) => slot.get(u.account_id) ?? -1);
  const uMonth = Int32Array.from(use, (u) => monthIndex(u.month));
  const ug = groupBySlot(uSlot, uMonth, n);
  const usageStart = new Int32Array(n + 1);
  const month: number[] = [];
  const users: number[] = [];
  const units: number[] = [];
  for (let s = 0; s < n; s++) {
    usageStart[s] = month.length;
    for (let k = ug.start[s]; k < ug.start[s + 1]; k++) {
      const i = ug.order[k];
      const last = month.length - 1;
      if (last >= usageStart[s] && month[last] === uMonth[i]) {
        users[last] += use[i].active_users;
        units[last] += use[i].usage_units;
      } else {
        month.push(uMonth[i]);
        users.push(use[i].active_users);
        units.push(use[i].usage_units);
      }
    }
  }
  usageStart[n] = month.length;

  return {
    ids: rows.accounts.map((a) => a.account_id),
    slot,
    segment: rows.accounts.map((a) => a.segment),
    region: rows.accounts.map((a) => a.region ?? 'unknown'),
    industry: rows.accounts.map((a) => a.industry ?? 'unknown'),
    createdDay: Int32Array.from(rows.accounts, (a) => dayNumber(a.created_at)),
    parent,
    opportunities,
    contracts,
    products,
    usage: { start: usageStart, month: Int32Array.from(month), users: Float64Array.from(users), units: Float64Array.from(units) },
  };
}

/**
 * What is known of each account at a cut date: the raw features the win and
 * expansion models read. Only rows dated before the cut count, so a feature
 * at a cut never changes when later rows are added or removed (tested): an
 * opportunity created before the cut but closed after it is open at the cut,
 * a contract is held from its start date to its end date (not by its
 * `status`, which is the drop's last word), a usage month counts once it has
 * ended before the cut.
 *
 * The account graph: each account's family is the tree under its top parent
 * (accounts.parent_account_id) among the accounts known at the cut (a parent
 * created later is not yet in the CRM); the family features sum the other
 * members' own features, so a subsidiary sees its parent's and siblings'
 * contracts, wins and losses.
 *
 * Product fit: the share of the account's segment's customers holding each
 * product at the cut; an account's product gap is the sum of those shares
 * over the products it lacks (how many more products an account like it
 * holds, on average).
 */
import { DAY_MS, monthIndex, shiftMonths } from '../../lib/dates';
import { slopeAt, USAGE_SLOPE_MONTHS } from '../renewal/usage';
import { dayNumber, LOST, WON, type AccountBook } from './book';

/** The look-back of the past-opportunity counts: two years is the deal history a sales team remembers. */
export const HISTORY_MONTHS = 24;

/** Months of a day difference, in average months. */
const MONTH_DAYS = 30.4375;

export interface AccountFeatures {
  /** The account's slot in the book. */
  slot: number;
  segment: string;
  region: string;
  industry: string;
  /** Holds a contract live at the cut (started before it, not ended before it). */
  customer: number;
  /** Distinct products of its live contracts. */
  productsHeld: number;
  activeAcvUsd: number;
  /** Months from the cut to the nearest end of a live contract; NaN when not a customer. */
  monthsToEnd: number;
  /** The longest renewal chain among its live contracts (renewals so far). */
  renewalsSoFar: number;
  /** Opportunities created in the HISTORY_MONTHS before the cut. */
  opportunities: number;
  /** Opportunities won (closed won) in the HISTORY_MONTHS before the cut, and their ACV. */
  wins: number;
  wonAcvUsd: number;
  /** Opportunities lost in the HISTORY_MONTHS before the cut. */
  losses: number;
  /** Opportunities created before the cut and not closed before it, and their amount. */
  openOpportunities: number;
  openAmountUsd: number;
  /** Months since its last opportunity was created; NaN without one. */
  monthsSinceLastOpportunity: number;
  /** Other accounts in its family (same top parent). */
  familyOthers: number;
  /** Other family members that are customers at the cut. */
  familyCustomers: number;
  familyWins: number;
  familyLosses: number;
  familyOpportunities: number;
  /** Engagement score at the cut (the caller's input; 0 when it has none). */
  engagement: number;
  /** Monthly change of log usage units and of log active users over the 9 months before the cut (renewal/usage.ts slopeAt); null with under 3 months. */
  unitsSlope: number | null;
  usersSlope: number | null;
  /** Σ over products the account lacks of the share of its segment's customers holding them. */
  productGap: number;
  /**
   * Change of log usage units from the first month of the live contract that
   * ends first (of two ending together, the one signed last) to the last month known at the cut: how far the account has
   * outgrown what it signed for (a renewal then prices the growth in). Null
   * without a live contract or with under two usage months in its term.
   */
  termGrowth: number | null;
}

/** Accounts known at the cut: created before it. */
export function accountsAt(book: AccountBook, cutDay: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < book.ids.length; s++) if (book.createdDay[s] < cutDay) out.push(s);
  return out;
}

/**
 * Each known account's top parent at the cut: parent links followed while the
 * parent was created before the cut (the drop refuses cycles; the bound
 * stops a bad tree from looping).
 */
export function topParentsAt(book: AccountBook, cutDay: number): Int32Array {
  const n = book.ids.length;
  const root = new Int32Array(n).fill(-1);
  for (let s = 0; s < n; s++) {
    let r = s;
    for (let hops = 0; hops < n; hops++) {
      const p = book.parent[r];
      if (p < 0 || book.createdDay[p] >= cutDay) break;
      r = p;
    }
    root[s] = r;
  }
  return root;
}

/** Slope of log usage of one account before month index `ref`, over its own months (slopeAt reads a dense series). */
function usageSlopeOf(book: AccountBook, s: number, column: Float64Array, ref: number): number | null {
  const { start, month } = book.usage;
  const from = start[s];
  const to = start[s + 1];
  if (to === from || month[from] >= ref) return null;
  // slopeAt reads only the USAGE_SLOPE_MONTHS before ref: a dense series of those is enough.
  const first = Math.max(month[from], ref - USAGE_SLOPE_MONTHS);
  const dense = new Float64Array(ref - first).fill(NaN);
  for (let k = from; k < to && month[k] < ref; k++) if (month[k] >= first) dense[month[k] - first] = column[k];
  return slopeAt(dense, first, ref);
}

/** Log units of the last known month before `ref` over those of the first month from `fromMonth`; null with under two such months. */
function growthSince(book: AccountBook, s: number, fromMonth: number, ref: number): number | null {
  const { start, month, units } = book.usage;
  let first = -1, last = -1;
  for (let k = start[s]; k < start[s + 1] && month[k] < ref; k++) {
    if (month[k] < fromMonth || !(units[k] > 0)) continue;
    if (first < 0) first = k;
    last = k;
  }
  return first < 0 || month[last] === month[first] ? null : Math.log(units[last]) - Math.log(units[first]);
}

/**
 * Features of the accounts known at `cut` (a `YYYY-MM-DD` date: rows dated
 * before it are known). `engagement` maps account_id to its score at the
 * end of the day before the cut.
 *
 * @example
 * const book = accountBook(rows);
 * featuresAt(book, '2026-05-01').find((f) => book.ids[f.slot] === 'ACC-00001')?.wins; // deals won in the two years before May 2026
 */
export function featuresAt(book: AccountBook, cut: string, engagement?: ReadonlyMap<string, number>): AccountFeatures[] {
  const t = dayNumber(cut);
  const since = dayNumber(shiftMonths(cut, -HISTORY_MONTHS));
  // Months before the cut's own month have ended before the cut: their usage is known.
  const ref = monthIndex(cut);
  const { opportunities: o, contracts: c } = book;
  const slots = accountsAt(book, t);
  const out: AccountFeatures[] = [];
  const held: Set<number>[] = [];
  for (const s of slots) {
    let opportunities = 0, wins = 0, wonAcvUsd = 0, losses = 0, openOpportunities = 0, openAmountUsd = 0, last = -1;
    for (let k = o.start[s]; k < o.start[s + 1] && o.created[k] < t; k++) {
      last = o.created[k];
      if (o.created[k] >= since) opportunities++;
      const closed = o.closed[k];
      if (closed < 0 || closed >= t) {
        openOpportunities++;
        openAmountUsd += o.amountUsd[k];
      } else if (closed >= since) {
        if (o.stage[k] === WON) { wins++; wonAcvUsd += o.amountUsd[k]; }
        else if (o.stage[k] === LOST) losses++;
      }
    }
    const products = new Set<number>();
    let activeAcvUsd = 0, nearestEnd = Infinity, nearestStart = 0, renewalsSoFar = 0, live = 0;
    for (let k = c.start[s]; k < c.start[s + 1] && c.startDay[k] < t; k++) {
      if (c.endDay[k] < t) continue;
      live++;
      activeAcvUsd += c.acvUsd[k];
      if (c.product[k] >= 0) products.add(c.product[k]);
      // Of two ending together, the one signed last: its term is the one being priced at the renewal.
      if (c.endDay[k] < nearestEnd || (c.endDay[k] === nearestEnd && c.startDay[k] > nearestStart)) { nearestEnd = c.endDay[k]; nearestStart = c.startDay[k]; }
      renewalsSoFar = Math.max(renewalsSoFar, c.renewalsSoFar[k]);
    }
    held.push(products);
    out.push({
      slot: s, segment: book.segment[s], region: book.region[s], industry: book.industry[s],
      customer: live > 0 ? 1 : 0, productsHeld: products.size, activeAcvUsd,
      monthsToEnd: live > 0 ? (nearestEnd - t) / MONTH_DAYS : NaN, renewalsSoFar,
      opportunities, wins, wonAcvUsd, losses, openOpportunities, openAmountUsd,
      monthsSinceLastOpportunity: last < 0 ? NaN : (t - last) / MONTH_DAYS,
      familyOthers: 0, familyCustomers: 0, familyWins: 0, familyLosses: 0, familyOpportunities: 0,
      engagement: engagement?.get(book.ids[s]) ?? 0,
      unitsSlope: usageSlopeOf(book, s, book.usage.units, ref),
      usersSlope: usageSlopeOf(book, s, book.usage.users, ref),
      productGap: 0,
      termGrowth: live > 0 ? growthSince(book, s, monthIndex(new Date(nearestStart * DAY_MS).toISOString()), ref) : null,
    });
  }

  // The family: each root's sums over its members, less the account's own.
  const root = topParentsAt(book, t);
  const sums = new Map<number, { members: number; customers: number; wins: number; losses: number; opportunities: number }>();
  for (const f of out) {
    const r = root[f.slot];
    const x = sums.get(r) ?? { members: 0, customers: 0, wins: 0, losses: 0, opportunities: 0 };
    x.members++; x.customers += f.customer; x.wins += f.wins; x.losses += f.losses; x.opportunities += f.opportunities;
    sums.set(r, x);
  }
  for (const f of out) {
    const x = sums.get(root[f.slot])!;
    f.familyOthers = x.members - 1;
    f.familyCustomers = x.customers - f.customer;
    f.familyWins = x.wins - f.wins;
    f.familyLosses = x.losses - f.losses;
    f.familyOpportunities = x.opportunities - f.opportunities;
  }

  // Product fit against the customers of the same segment at the cut.
  const holders = new Map<string, { customers: number; byProduct: Float64Array }>();
  out.forEach((f, i) => {
    if (!f.customer) return;
    const h = holders.get(f.segment) ?? { customers: 0, byProduct: new Float64Array(book.products.length) };
    h.customers++;
    for (const p of held[i]) h.byProduct[p]++;
    holders.set(f.segment, h);
  });
  out.forEach((f, i) => {
    const h = holders.get(f.segment);
    if (!h) return;
    let gap = 0;
    for (let p = 0; p < book.products.length; p++) if (!held[i].has(p)) gap += h.byProduct[p] / h.customers;
    f.productGap = gap;
  });
  return out;
}


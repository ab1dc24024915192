/**
 * Rows for the account models' tests: a random book (accounts in families,
 * opportunities, contract chains, usage) and the part of it known at a cut,
 * written independently of the models: what a CRM export taken on the cut
 * date would have held.
 */
import { createRng, type Rng } from '../../../models/random';
import type { BookAccount, BookContract, BookOpportunity, BookRows, BookUsage } from '../../../models/accounts/book';

const SEGMENTS = ['enterprise', 'mid_market', 'smb'] as const;

/** `YYYY-MM-DD` of a day number (days since 1970-01-01). */
export const dateOf = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
export const dayOf = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 86_400_000;

/** Contract rows need a status; the models never read it, so it is whatever the drop's last word was. */
export interface TestContract extends BookContract { status: 'active' | 'renewed' | 'churned' | 'expired' }
export interface TestRows extends BookRows { contracts: TestContract[]; opportunities: BookOpportunity[]; accounts: BookAccount[]; usage: BookUsage[] }

/** A random book of `n` accounts from 2023-01-01 to 2026-10-31, some created late in it. */
export function randomRows(seed: number, n = 60): TestRows {
  const rng = createRng(seed);
  const from = dayOf('2023-01-01');
  const to = dayOf('2026-10-31');
  const pick = <T,>(xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)];
  const accounts: BookAccount[] = [];
  for (let i = 0; i < n; i++) {
    const parent = i > 3 && rng.uniform() < 0.3 ? accounts[rng.int(0, i - 1)].account_id : null;
    const created = rng.uniform() < 0.1 ? rng.int(from, to) : from - rng.int(1, 400);
    accounts.push({ account_id: `A${i}`, parent_account_id: parent, segment: pick(SEGMENTS), region: pick(['NA', 'EMEA', null]), industry: pick(['Retail', 'Media', null]), created_at: dateOf(created) });
  }
  const opportunities: BookOpportunity[] = [];
  const contracts: TestContract[] = [];
  const usage: BookUsage[] = [];
  let c = 0;
  for (const a of accounts) {
    const start = Math.max(from, dayOf(a.created_at) + 1);
    if (start >= to) continue;
    for (let k = rng.int(0, 6); k > 0; k--) {
      const created = rng.int(start, to);
      const closed = created + rng.int(0, 300);
      const open = closed > to || rng.uniform() < 0.1;
      opportunities.push({ account_id: a.account_id, created_at: dateOf(created), closed_at: open ? null : dateOf(closed), stage: open ? 'open' : rng.uniform() < 0.4 ? 'won' : 'lost', amount_usd: Math.round(1000 + rng.uniform() * 50_000) });
    }
    for (let chains = rng.int(0, 2); chains > 0; chains--) {
      let s = rng.int(start, to);
      let previous: TestContract | null = null;
      const product = pick(['Core', 'Analytics', 'Platform', null]);
      while (s <= to) {
        const term = pick([365, 730]);
        const contract: TestContract = {
          contract_id: `C${c++}`, account_id: a.account_id, previous_contract_id: previous?.contract_id ?? null, product,
          start_date: dateOf(s), end_date: dateOf(s + term), acv_usd: Math.round((previous?.acv_usd ?? 20_000) * (0.8 + rng.uniform() * 0.5)), status: 'active',
        };
        if (previous) previous.status = 'renewed';
        contracts.push(contract);
        if (rng.uniform() < 0.3) { contract.status = s + term <= to ? 'churned' : 'active'; break; }
        previous = contract;
        s += term;
      }
    }
    if (rng.uniform() < 0.7) {
      let users = rng.int(5, 50);
      for (let m = 0; m < 46; m++) {
        users = Math.max(0, users + rng.int(-3, 4));
        const month = `${2023 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
        if (month < a.created_at.slice(0, 7) || month > '2026-10') continue;
        usage.push({ account_id: a.account_id, month, active_users: users, usage_units: users * 20 + rng.int(0, 9) });
      }
    }
  }
  return { accounts, opportunities, contracts, usage };
}

/**
 * What an export taken on `cut` holds: accounts created before it; opportunities
 * created before it, open if they closed on or after it; contracts started before
 * it (status 'active': their fate is not written yet); usage of months ended before it.
 */
export function knownAt(rows: TestRows, cut: string): TestRows {
  const accounts = rows.accounts.filter((a) => a.created_at < cut);
  const opportunities = rows.opportunities.filter((o) => o.created_at < cut)
    .map((o) => (o.closed_at !== null && o.closed_at >= cut ? { ...o, stage: 'open' as const, closed_at: null, amount_usd: o.amount_usd } : o));
  const contracts = rows.contracts.filter((c) => c.start_date < cut).map((c) => ({ ...c, status: 'active' as const }));
  const usage = rows.usage.filter((u) => u.month < cut.slice(0, 7));
  return { accounts, opportunities, contracts, usage };
}

/** Extra rows dated on or after `cut` (new deals, wins, contracts, usage), as later exports would add. */
export function futureRows(rows: TestRows, cut: string, seed: number): TestRows {
  const rng: Rng = createRng(seed);
  const start = dayOf(cut);
  const extra = { ...rows, opportunities: [...rows.opportunities], contracts: [...rows.contracts], usage: [...rows.usage] };
  rows.accounts.forEach((a, i) => {
    if (i % 2) return;
    const d = start + rng.int(0, 200);
    extra.opportunities.push({ account_id: a.account_id, created_at: dateOf(d), closed_at: dateOf(d + 30), stage: 'won', amount_usd: 99_999 });
    extra.contracts.push({ contract_id: `F${i}`, account_id: a.account_id, previous_contract_id: null, product: 'Data Cloud', start_date: dateOf(d + 30), end_date: dateOf(d + 395), acv_usd: 99_999, status: 'active' });
    extra.usage.push({ account_id: a.account_id, month: '2027-03', active_users: 999, usage_units: 99_999 });
  });
  return extra;
}

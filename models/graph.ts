/**
 * Account hierarchy: subsidiaries roll up to their top parent.
 *
 * The data contract forbids cycles, but a model must not hang on a drop that
 * slipped one through: a cycle's members all roll up to the smallest account
 * id of the cycle (deterministic), and the cycle is reported.
 */

/** The columns of an account row the roll-up reads. */
export interface AccountLink {
  account_id: string;
  parent_account_id: string | null;
}

export interface AccountRollUp {
  /** account_id -> top parent account_id (itself when it has no parent). */
  topParent: Map<string, string>;
  /** Each parent cycle found, as its member ids sorted. Empty for valid data. */
  cycles: string[][];
}

/**
 * Resolve every account to its top parent in O(n), safe against cycles and
 * against parents missing from the file (the chain stops at the last known
 * account).
 *
 * @example
 * const { topParent } = rollUpAccounts([
 *   { account_id: 'A', parent_account_id: null },
 *   { account_id: 'B', parent_account_id: 'A' },
 *   { account_id: 'C', parent_account_id: 'B' },
 * ]);
 * topParent.get('C'); // 'A'
 */
export function rollUpAccounts(accounts: readonly AccountLink[]): AccountRollUp {
  const parent = new Map<string, string | null>();
  for (const a of accounts) parent.set(a.account_id, a.parent_account_id);
  const topParent = new Map<string, string>();
  const cycles: string[][] = [];
  const onPath = new Map<string, number>();

  for (const a of accounts) {
    if (topParent.has(a.account_id)) continue;
    const path: string[] = [];
    onPath.clear();
    let cur = a.account_id;
    let root: string;
    for (;;) {
      const known = topParent.get(cur);
      if (known !== undefined) {
        root = known;
        break;
      }
      const at = onPath.get(cur);
      if (at !== undefined) {
        const members = path.slice(at).sort();
        cycles.push(members);
        root = members[0];
        break;
      }
      onPath.set(cur, path.length);
      path.push(cur);
      const p = parent.get(cur);
      if (p === null || p === undefined || !parent.has(p)) {
        root = cur;
        break;
      }
      cur = p;
    }
    for (const id of path) topParent.set(id, root);
  }
  return { topParent, cycles };
}

/**
 * The account -> top parent map alone (see `rollUpAccounts`).
 *
 * @example
 * topParents([{ account_id: 'S', parent_account_id: 'P' }, { account_id: 'P', parent_account_id: null }]).get('S'); // 'P'
 */
export function topParents(accounts: readonly AccountLink[]): Map<string, string> {
  return rollUpAccounts(accounts).topParent;
}

/**
 * The top parent of one account; an account the map does not know is its own top.
 *
 * @example
 * topParentOf(new Map([['S', 'P']]), 'S'); // 'P'
 * topParentOf(new Map(), 'X');             // 'X'
 */
export function topParentOf(rollUp: ReadonlyMap<string, string>, accountId: string): string {
  return rollUp.get(accountId) ?? accountId;
}

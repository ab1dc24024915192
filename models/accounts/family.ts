/**
 * The family roll-up: subsidiaries scored under their top parent, for a sales
 * team that sells to the group rather than to each entity. Expected ACVs
 * add; a propensity becomes the chance that at least one member wins (or
 * expands), 1 − Π(1 − p), reading the members as independent: a group's
 * members do buy together sometimes, so this is an upper reading of it.
 */

export interface AccountScoreLine {
  account_id: string;
  winPropensity: number;
  expectedNewAcv: number;
  /** Null for an account without a live contract (no expansion score). */
  expansionPropensity: number | null;
  expectedExpansionAcv: number;
}

export interface FamilyScore extends AccountScoreLine {
  /** The members rolled up (the top parent first, then by account_id). */
  members: string[];
}

/**
 * Rolls each account up to its top parent (`topParent` maps an account to it;
 * an account it does not name is its own top parent).
 *
 * @example
 * rollUpFamilies([
 *   { account_id: 'P', winPropensity: 0.5, expectedNewAcv: 10, expansionPropensity: null, expectedExpansionAcv: 0 },
 *   { account_id: 'S', winPropensity: 0.5, expectedNewAcv: 20, expansionPropensity: 0.2, expectedExpansionAcv: 5 },
 * ], new Map([['S', 'P']]));
 * // [{ account_id: 'P', winPropensity: 0.75, expectedNewAcv: 30, expansionPropensity: 0.2, expectedExpansionAcv: 5, members: ['P', 'S'] }]
 */
export function rollUpFamilies(scores: readonly AccountScoreLine[], topParent: ReadonlyMap<string, string>): FamilyScore[] {
  const families = new Map<string, { lines: AccountScoreLine[]; noWin: number; noExpansion: number | null }>();
  for (const s of scores) {
    const root = topParent.get(s.account_id) ?? s.account_id;
    const f = families.get(root) ?? { lines: [], noWin: 1, noExpansion: null };
    f.lines.push(s);
    f.noWin *= 1 - s.winPropensity;
    if (s.expansionPropensity !== null) f.noExpansion = (f.noExpansion ?? 1) * (1 - s.expansionPropensity);
    families.set(root, f);
  }
  return [...families].map(([root, f]) => ({
    account_id: root,
    winPropensity: 1 - f.noWin,
    expectedNewAcv: f.lines.reduce((t, s) => t + s.expectedNewAcv, 0),
    expansionPropensity: f.noExpansion === null ? null : 1 - f.noExpansion,
    expectedExpansionAcv: f.lines.reduce((t, s) => t + s.expectedExpansionAcv, 0),
    members: f.lines.map((s) => s.account_id).sort((a, b) => (a === root ? -1 : b === root ? 1 : a < b ? -1 : a > b ? 1 : 0)),
  }));
}

/** Each account's top parent from the accounts' parent links (cycles, which the drop refuses, stop at the account that closes them). */
export function topParents(accounts: readonly { account_id: string; parent_account_id: string | null }[]): Map<string, string> {
  const parent = new Map(accounts.map((a) => [a.account_id, a.parent_account_id]));
  const out = new Map<string, string>();
  for (const a of accounts) {
    let r = a.account_id;
    const seen = new Set([r]);
    for (let p = parent.get(r); p != null && parent.has(p) && !seen.has(p); p = parent.get(r)) { r = p; seen.add(p); }
    out.set(a.account_id, r);
  }
  return out;
}

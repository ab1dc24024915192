/**
 * The registry family `accounts` (store/model-registry.ts): what a version
 * stores and how the cycle fits it.
 *
 * A fitted version's params are plain JSON,
 * `{ kind: 'accounts', win: WinModel, expansion: ExpansionModel, policy }`,
 * `policy` being the attribution agreement's engagement section the scores
 * were read under (a scorer needs the same one). Both models are plain data
 * already (names, means, sds, coefficients, records of sizes by segment: no
 * Map or typed array), so storing is JSON.stringify and reading back is
 * `accountsParamsOf`, which refuses anything else. A coefficient that was
 * not finite comes back as null (JSON has no NaN): the gate's health check
 * reads it as not finite.
 *
 * The baseline, `{ kind: 'baseline_rate' }`, is a specification, not a fit:
 * each account's propensity is its segment's historical rate
 * (contenders.ts segmentRates), fitted on the data at hand when it is used.
 */
import type { EngagementPolicy } from '../attribution-policy';
import { rocAuc } from '../evaluation';
import { shiftMonths } from '../../lib/dates';
import type { AccountBook, BookRows } from './book';
import { engagementScores, type EngagementTouch } from './engagement';
import { fitExpansionModel, scoreExpansions, type ExpansionModel } from './expansion';
import { expansionIn, wonIn } from './outcomes';
import type { EngagementAt } from './training';
import { fitWinModel, scoreWins, type WinModel } from './win-propensity';

export interface FittedAccounts {
  kind: 'accounts';
  win: WinModel;
  expansion: ExpansionModel;
  /** The engagement policy the models were fitted with; null when they were fitted without engagement. */
  policy: EngagementPolicy | null;
}
export interface BaselineAccounts { kind: 'baseline_rate' }
export type AccountsParams = FittedAccounts | BaselineAccounts;

const isLogit = (f: any): boolean => !!f && Array.isArray(f.names) && Array.isArray(f.coef) && Array.isArray(f.mean) && Array.isArray(f.sd)
  && f.coef.length === f.names.length + 1 && f.mean.length === f.names.length && f.sd.length === f.names.length;

/**
 * Stored params read back as an accounts version, or a RangeError saying what is wrong with them.
 *
 * @example
 * accountsParamsOf(JSON.parse(JSON.stringify(fitted))).win.fit.coef; // the fitted coefficients
 */
export function accountsParamsOf(json: unknown): AccountsParams {
  const p = json as any;
  if (p?.kind === 'baseline_rate') return { kind: 'baseline_rate' };
  if (p?.kind !== 'accounts') throw new RangeError(`not an accounts version: kind ${JSON.stringify(p?.kind)}`);
  if (!isLogit(p.win?.fit) || !p.win?.dealSize || !Array.isArray(p.win?.levels?.segment)) throw new RangeError('accounts version: the win model is not a fitted model');
  if (!isLogit(p.expansion?.fit) || !p.expansion?.expansionSize || !Array.isArray(p.expansion?.levels?.segment)) throw new RangeError('accounts version: the expansion model is not a fitted model');
  return p as FittedAccounts;
}

/** Params as the plain JSON a model version stores (every number finite stays as it is). */
export const accountsParamsJson = (params: AccountsParams): string => JSON.stringify(params);

/**
 * The rows known before `asOf` (`YYYY-MM-DD`, the first day not seen): accounts
 * created, opportunities created (one closed on or after it is still open),
 * contracts started and usage months ended before it.
 */
export function bookRowsBefore(rows: BookRows, asOf: string): BookRows {
  const month = asOf.slice(0, 7);
  return {
    accounts: rows.accounts.filter((a) => a.created_at.slice(0, 10) < asOf),
    opportunities: rows.opportunities.filter((o) => o.created_at.slice(0, 10) < asOf)
      .map((o) => (o.closed_at !== null && o.closed_at.slice(0, 10) >= asOf ? { ...o, stage: 'open' as const, closed_at: null } : o)),
    contracts: rows.contracts.filter((c) => c.start_date.slice(0, 10) < asOf),
    usage: rows.usage?.filter((u) => u.month.slice(0, 7) < month),
  };
}

/** Engagement scores under a policy at the end of each day asked for, each day computed once. */
export function engagementAtOf(touches: readonly EngagementTouch[], policy: EngagementPolicy): EngagementAt {
  const byDay = new Map<string, ReadonlyMap<string, number>>();
  return (day) => {
    let scores = byDay.get(day);
    if (!scores) byDay.set(day, (scores = engagementScores(touches, policy, day).accounts));
    return scores;
  };
}

export interface AccountsFitMetrics {
  /** Per model: its training rows, positives, cuts, penalty, whether it converged, and the AUC on its latest training cut (in sample). */
  win: { rows: number; positives: number; cuts: string[]; l2: number; converged: boolean; sampled: number; inSampleAuc: number | null };
  expansion: { rows: number; positives: number; cuts: string[]; l2: number; converged: boolean; sampled: number; inSampleAuc: number | null };
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Fits both models at `asOf` on a book of the rows known before it, with
 * engagement under `policy` (null: without engagement). `step` is called
 * after each training cut is read and after each fit (the activity
 * heartbeats there: a fit on a large book is minutes of work).
 */
export function fitAccounts(
  book: AccountBook, asOf: string, policy: EngagementPolicy | null, touches: readonly EngagementTouch[], step: (done: string) => void = () => {},
): { params: FittedAccounts; metrics: AccountsFitMetrics } {
  const engagementAt = policy ? engagementAtOf(touches, policy) : undefined;
  const win = fitWinModel(book, asOf, { engagementAt, onCut: (cut) => step(`accounts win: cut ${cut} read`) });
  step('accounts win');
  const expansion = fitExpansionModel(book, asOf, { engagementAt, onCut: (cut) => step(`accounts expansion: cut ${cut} read`) });
  step('accounts expansion');
  // In sample: the latest cut each model was trained on, scored and judged on its own window.
  const winCut = win.cuts[0];
  const winAuc = winCut === undefined ? null : (() => {
    const s = scoreWins(win, book, winCut, { engagementAt });
    return finiteOrNull(rocAuc(s.map((x) => x.propensity), s.map((x) => wonIn(book, x.slot, winCut, shiftMonths(winCut, win.horizonMonths), win.outcome, asOf).happened)));
  })();
  const expCut = expansion.cuts[0];
  const expansionAuc = expCut === undefined ? null : (() => {
    const s = scoreExpansions(expansion, book, expCut, { engagementAt });
    return finiteOrNull(rocAuc(s.map((x) => x.propensity), s.map((x) => expansionIn(book, x.slot, expCut, shiftMonths(expCut, expansion.horizonMonths), expansion.minUplift).happened)));
  })();
  const summary = (m: WinModel | ExpansionModel, inSampleAuc: number | null) =>
    ({ rows: m.fit.rows, positives: m.fit.positives, cuts: m.cuts, l2: m.fit.l2, converged: m.fit.converged !== false, sampled: m.sampled, inSampleAuc });
  return { params: { kind: 'accounts', win, expansion, policy }, metrics: { win: summary(win, winAuc), expansion: summary(expansion, expansionAuc) } };
}

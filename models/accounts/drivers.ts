/**
 * The top drivers of an account's score in words: the feature groups whose
 * coefficient × standardised value moves its logit furthest from the
 * average account's (the columns of a one-hot summed into their group), each
 * worded from the account's own values, e.g. "won 2 deals in the last 24
 * months". Both directions count: a sales team wants to hear "lost 3 deals"
 * as much as "parent is a customer".
 */
import { contributionsOf, type DesignColumn, type FittedLogit } from './design';

export interface Driver {
  /** The feature group, e.g. `wins`, `segment`. */
  group: string;
  /** Its contribution to the logit (positive raises the propensity). */
  contribution: number;
  words: string;
}

/** How a group reads for one account. */
export type Wording<F> = Record<string, (f: F) => string>;

/**
 * The `top` groups of largest |contribution|, largest first; ties by group name.
 *
 * @example
 * topDrivers(model, columns, wording, features, 3).map((d) => d.words); // ['won 2 deals in the last 24 months', …]
 */
export function topDrivers<F>(model: FittedLogit, columns: readonly DesignColumn<F>[], wording: Wording<F>, f: F, top = 3): Driver[] {
  const contributions = contributionsOf(model, columns, f);
  const byGroup = new Map<string, number>();
  columns.forEach((c, j) => byGroup.set(c.group, (byGroup.get(c.group) ?? 0) + contributions[j]));
  return [...byGroup]
    .filter(([, v]) => v !== 0)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || (a[0] < b[0] ? -1 : 1))
    .slice(0, top)
    .map(([group, contribution]) => ({ group, contribution, words: wording[group] ? wording[group](f) : group }));
}

/** Drivers as one line, each with its sign: "+ won 2 deals in the last 24 months; − lost 3 deals in the last 24 months". */
export const driversText = (drivers: readonly Driver[]): string =>
  drivers.map((d) => `${d.contribution >= 0 ? '+' : '−'} ${d.words}`).join('; ');

/** "1 deal" / "2 deals". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

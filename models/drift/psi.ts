/** The population stability index: a number binned at the reference's deciles, a category by its values (the choices: index.ts). */

/** Share given to an empty PSI bin. */
export const PSI_EPSILON = 1e-4;

export const PSI_BINS = 10;

/** How a missing category value is named in bins and reports. */
export const EMPTY_CATEGORY = '(empty)';

/**
 * Type-7 quantile (linear interpolation between order statistics) of sorted values.
 *
 * @example
 * quantileSorted([1, 2, 3, 4], 0.5); // 2.5
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of an empty sample');
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** PSI of two vectors of shares over the same bins, empty shares replaced by PSI_EPSILON. */
export function psiOfShares(reference: readonly number[], current: readonly number[]): number {
  if (reference.length !== current.length) throw new RangeError('psi: share vectors differ in length');
  let psi = 0;
  for (let k = 0; k < reference.length; k++) {
    const r = reference[k] > 0 ? reference[k] : PSI_EPSILON;
    const c = current[k] > 0 ? current[k] : PSI_EPSILON;
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

export interface PsiResult {
  psi: number;
  /** Upper edge of each bin (Infinity for the last) for numbers, the category for categories. */
  bins: (number | string)[];
  reference: number[];
  current: number[];
}

/**
 * PSI of a number, binned at the reference's deciles.
 *
 * @example
 * psiNumber([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).psi; // 0
 */
export function psiNumber(reference: readonly number[], current: readonly number[], bins = PSI_BINS): PsiResult {
  if (reference.length === 0 || current.length === 0) throw new RangeError('psi: a sample is empty');
  const sorted = [...reference].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = quantileSorted(sorted, k / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  const share = (xs: readonly number[]) => {
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const x of xs) counts[binOf(edges, x)]++;
    return counts.map((c) => c / xs.length);
  };
  const r = share(reference);
  const c = share(current);
  return { psi: psiOfShares(r, c), bins: [...edges, Infinity], reference: r, current: c };
}

/** Index of the first edge ≥ x (bins are (edge[k-1], edge[k]]), edges.length when above all. */
export function binOf(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * PSI of category weights (counts, or dollars for a share of spend), one bin per category seen in either.
 *
 * @example
 * psiCategory(new Map([['a', 1], ['b', 1]]), new Map([['a', 1], ['b', 1]])).psi; // 0
 */
export function psiCategory(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): PsiResult {
  const { keys, ref, cur } = alignedShares(reference, current);
  return { psi: psiOfShares(ref, cur), bins: keys, reference: ref, current: cur };
}

export function alignedShares(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>) {
  const keys = [...new Set([...reference.keys(), ...current.keys()])].sort();
  const total = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((s, x) => s + x, 0);
  const tr = total(reference);
  const tc = total(current);
  if (!(tr > 0) || !(tc > 0)) throw new RangeError('category shares: a sample has no weight');
  return { keys, ref: keys.map((k) => (reference.get(k) ?? 0) / tr), cur: keys.map((k) => (current.get(k) ?? 0) / tc) };
}

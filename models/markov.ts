/**
 * Markov-chain attribution of order k with removal effects computed exactly
 * from the absorbing chain (a linear solve, no simulation).
 *
 * The chain follows ChannelAttribution's construction:
 * - a state is a window of k consecutive channels of a path (a path shorter
 *   than k is one state, its whole sequence); windows slide by one touch;
 * - consecutive identical states of a path collapse into one (no self loops);
 * - every path adds its journeys (conversions + nulls) to the transitions
 *   (start) -> s1 -> ... -> s_last, then s_last -> (conversion) with its
 *   conversions and s_last -> (null) with its nulls;
 * - transition probabilities are the row-normalised counts.
 * Removing channel c sends every transition into a state that contains c to
 * (null). The removal effect RE_c = 1 - P(conversion without c) / P(conversion),
 * and each channel's credit is total conversions * RE_c / sum of RE.
 *
 * Value follows the package too: a conversion reached from state s carries
 * the mean value per conversion of the paths ending in s; the value removal
 * effect compares the expected value reached from (start) with and without c,
 * and total value is split in proportion to it.
 */
import type { ChannelCredit } from './attribution-heuristics';
import type { AttributionPath } from './paths';

/** A transition of the fitted chain. `to` is a state key, '(conversion)' or '(null)'. */
export interface MarkovTransition {
  from: string;
  to: string;
  probability: number;
}

export interface MarkovOptions {
  /** Order k >= 1: states are k-tuples of channels. Default 1. */
  order?: number;
  /**
   * How to solve (I - Q) h = r: 'dense' Gaussian elimination, 'iterative'
   * Gauss-Seidel to machine precision on the sparse chain, or 'auto' (dense up
   * to 1000 transient states). Default 'auto'.
   */
  solver?: 'auto' | 'dense' | 'iterative';
}

export interface MarkovResult {
  order: number;
  /** Channels in order of first appearance. */
  channels: string[];
  /** Transient states as channel tuples (the state key joins them with ' > '). */
  states: string[][];
  transitions: MarkovTransition[];
  /** P(reach conversion from start) in the full chain. */
  conversionProbability: number;
  /** Expected value reached from start (value per journey) in the full chain. */
  valuePerJourney: number;
  /** 1 - P(conv | c removed) / P(conv), per channel. */
  removalEffects: Record<string, number>;
  /** 1 - E[value | c removed] / E[value], per channel. */
  removalEffectsValue: Record<string, number>;
  /** Conversions and value split in proportion to the removal effects. */
  credit: Record<string, ChannelCredit>;
}

const STATE_SEP = ' > ';
const DENSE_LIMIT = 1000;

interface Chain {
  channels: string[];
  /** Channel ids of each state. */
  states: number[][];
  /** Outgoing counts per state; start is state index -1, kept separately. */
  startOut: Map<number, number>;
  out: Map<number, number>[];
  /** Counts into (conversion) and (null), and conversion value, per state. */
  conv: Float64Array;
  nulls: Float64Array;
  convValue: Float64Array;
}

function buildChain(paths: readonly AttributionPath[], order: number): Chain {
  const channelIds = new Map<string, number>();
  const channels: string[] = [];
  const stateIds = new Map<string, number>();
  const states: number[][] = [];
  const out: Map<number, number>[] = [];
  const startOut = new Map<number, number>();
  const convL: number[] = [];
  const nullL: number[] = [];
  const valueL: number[] = [];
  const stateOf = (ids: number[]): number => {
    const key = ids.join(',');
    let s = stateIds.get(key);
    if (s === undefined) {
      s = states.length;
      stateIds.set(key, s);
      states.push(ids);
      out.push(new Map());
      convL.push(0);
      nullL.push(0);
      valueL.push(0);
    }
    return s;
  };
  const add = (m: Map<number, number>, to: number, w: number) => m.set(to, (m.get(to) ?? 0) + w);

  for (const p of paths) {
    const ids = p.channels.map((ch) => {
      let id = channelIds.get(ch);
      if (id === undefined) {
        id = channels.length;
        channelIds.set(ch, id);
        channels.push(ch);
      }
      return id;
    });
    if (ids.length === 0) throw new RangeError('a path must have at least one channel');
    const journeys = p.conversions + p.nulls;
    if (journeys <= 0) continue;
    const seq: number[] = [];
    const windows = Math.max(1, ids.length - order + 1);
    for (let i = 0; i < windows; i++) {
      const s = stateOf(ids.slice(i, Math.min(ids.length, i + order)));
      if (seq.length === 0 || seq[seq.length - 1] !== s) seq.push(s);
    }
    add(startOut, seq[0], journeys);
    for (let i = 1; i < seq.length; i++) add(out[seq[i - 1]], seq[i], journeys);
    const last = seq[seq.length - 1];
    convL[last] += p.conversions;
    nullL[last] += p.nulls;
    valueL[last] += p.value;
  }
  return { channels, states, startOut, out, conv: Float64Array.from(convL), nulls: Float64Array.from(nullL), convValue: Float64Array.from(valueL) };
}

/** Row-normalised sparse transitions among transient states, plus absorption rewards. */
interface Transient {
  /** rows[i] = [to, probability][] among transient states. */
  rows: [number, number][][];
  /** P(i -> conversion) and P(i -> null). */
  pConv: Float64Array;
  pNull: Float64Array;
  /** P(i -> conversion) * mean value per conversion ending in i. */
  rValue: Float64Array;
  start: [number, number][];
}

function normalise(chain: Chain): Transient {
  const n = chain.states.length;
  const rows: [number, number][][] = [];
  const pConv = new Float64Array(n);
  const pNull = new Float64Array(n);
  const rValue = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let total = chain.conv[i] + chain.nulls[i];
    for (const w of chain.out[i].values()) total += w;
    rows.push([...chain.out[i]].map(([to, w]) => [to, w / total]));
    pConv[i] = chain.conv[i] / total;
    pNull[i] = chain.nulls[i] / total;
    // Mean value per conversion of the paths ending here (0 when none convert).
    rValue[i] = chain.conv[i] > 0 ? pConv[i] * (chain.convValue[i] / chain.conv[i]) : 0;
  }
  let startTotal = 0;
  for (const w of chain.startOut.values()) startTotal += w;
  const start: [number, number][] = [...chain.startOut].map(([to, w]) => [to, w / startTotal]);
  return { rows, pConv, pNull, rValue, start };
}

/**
 * Solves (I - Q) h = r for two right-hand sides over the states with
 * keep[i] = true (removed states absorb into null: h = 0 there).
 */
function solveAbsorbing(t: Transient, keep: Uint8Array, solver: 'dense' | 'iterative'): [Float64Array, Float64Array] {
  const n = t.rows.length;
  const h1 = new Float64Array(n);
  const h2 = new Float64Array(n);
  const idx: number[] = [];
  const pos = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) if (keep[i]) pos[i] = idx.push(i) - 1;
  const m = idx.length;
  if (m === 0) return [h1, h2];
  if (solver === 'dense') {
    // Augmented [I - Q | r1 r2], Gaussian elimination with partial pivoting.
    const w = m + 2;
    const a = new Float64Array(m * w);
    for (let r = 0; r < m; r++) {
      const i = idx[r];
      a[r * w + r] = 1;
      for (const [to, p] of t.rows[i]) if (pos[to] >= 0) a[r * w + pos[to]] -= p;
      a[r * w + m] = t.pConv[i];
      a[r * w + m + 1] = t.rValue[i];
    }
    for (let c = 0; c < m; c++) {
      let piv = c;
      for (let r = c + 1; r < m; r++) if (Math.abs(a[r * w + c]) > Math.abs(a[piv * w + c])) piv = r;
      if (a[piv * w + c] === 0) throw new Error('the Markov chain is not absorbing: some states never reach conversion or null');
      if (piv !== c) {
        for (let k = c; k < w; k++) {
          const tmp = a[c * w + k];
          a[c * w + k] = a[piv * w + k];
          a[piv * w + k] = tmp;
        }
      }
      const d = a[c * w + c];
      for (let r = c + 1; r < m; r++) {
        const f = a[r * w + c] / d;
        if (f === 0) continue;
        for (let k = c; k < w; k++) a[r * w + k] -= f * a[c * w + k];
      }
    }
    for (let c = m - 1; c >= 0; c--) {
      let s1 = a[c * w + m];
      let s2 = a[c * w + m + 1];
      for (let k = c + 1; k < m; k++) {
        s1 -= a[c * w + k] * h1[idx[k]];
        s2 -= a[c * w + k] * h2[idx[k]];
      }
      h1[idx[c]] = s1 / a[c * w + c];
      h2[idx[c]] = s2 / a[c * w + c];
    }
    return [h1, h2];
  }
  // Gauss-Seidel: converges because every kept state leaks to an absorbing state.
  for (let sweep = 0; sweep < 1_000_000; sweep++) {
    let change = 0;
    let scale = 0;
    for (const i of idx) {
      let s1 = t.pConv[i];
      let s2 = t.rValue[i];
      for (const [to, p] of t.rows[i]) {
        if (!keep[to]) continue;
        s1 += p * h1[to];
        s2 += p * h2[to];
      }
      change = Math.max(change, Math.abs(s1 - h1[i]) / Math.max(1e-300, Math.abs(s1)), Math.abs(s2 - h2[i]) / Math.max(1e-300, Math.abs(s2)));
      scale = Math.max(scale, s1);
      h1[i] = s1;
      h2[i] = s2;
    }
    if (change <= 1e-15 || scale === 0) return [h1, h2];
  }
  throw new Error('the Markov chain solve did not converge: some states never reach conversion or null');
}

function fromStart(t: Transient, h: Float64Array, keep: Uint8Array): number {
  let s = 0;
  for (const [to, p] of t.start) if (keep[to]) s += p * h[to];
  return s;
}

/**
 * Fits an order-k Markov chain on aggregated paths and attributes
 * conversions and value by exact removal effects.
 *
 * @example
 * const r = markovAttribution([
 *   { channels: ['a', 'b'], conversions: 1, value: 10, nulls: 0 },
 *   { channels: ['b'], conversions: 0, value: 0, nulls: 1 },
 * ]);
 * r.removalEffects; // { a: 1, b: 1 }: every conversion goes through a and b
 * r.credit.a;       // { conversions: 0.5, value: 5 }
 */
export function markovAttribution(paths: readonly AttributionPath[], options: MarkovOptions = {}): MarkovResult {
  const order = options.order ?? 1;
  if (!Number.isInteger(order) || order < 1) throw new RangeError(`the Markov order must be a whole number >= 1, got ${order}`);
  const chain = buildChain(paths, order);
  const t = normalise(chain);
  const n = chain.states.length;
  const solver = options.solver === 'dense' || options.solver === 'iterative' ? options.solver : n <= DENSE_LIMIT ? 'dense' : 'iterative';

  const all = new Uint8Array(n).fill(1);
  const [h, hv] = solveAbsorbing(t, all, solver);
  const pConv = fromStart(t, h, all);
  const vStart = fromStart(t, hv, all);

  const removalEffects: Record<string, number> = {};
  const removalEffectsValue: Record<string, number> = {};
  for (let c = 0; c < chain.channels.length; c++) {
    const keep = new Uint8Array(n);
    for (let s = 0; s < n; s++) keep[s] = chain.states[s].includes(c) ? 0 : 1;
    const [hc, hvc] = solveAbsorbing(t, keep, solver);
    const name = chain.channels[c];
    // Clamp float noise: removing a channel can only lower the absorption probability.
    removalEffects[name] = pConv > 0 ? Math.max(0, 1 - fromStart(t, hc, keep) / pConv) : 0;
    removalEffectsValue[name] = vStart > 0 ? Math.max(0, 1 - fromStart(t, hvc, keep) / vStart) : 0;
  }

  let totalConv = 0;
  let totalValue = 0;
  for (const p of paths) {
    totalConv += p.conversions;
    totalValue += p.value;
  }
  const sumRe = Object.values(removalEffects).reduce((s, x) => s + x, 0);
  const sumReV = Object.values(removalEffectsValue).reduce((s, x) => s + x, 0);
  const credit: Record<string, ChannelCredit> = {};
  for (const name of chain.channels) {
    credit[name] = {
      conversions: sumRe > 0 ? (totalConv * removalEffects[name]) / sumRe : 0,
      value: sumReV > 0 ? (totalValue * removalEffectsValue[name]) / sumReV : 0,
    };
  }

  const key = (s: number) => chain.states[s].map((c) => chain.channels[c]).join(STATE_SEP);
  const transitions: MarkovTransition[] = t.start.map(([to, p]) => ({ from: '(start)', to: key(to), probability: p }));
  for (let i = 0; i < n; i++) {
    for (const [to, p] of t.rows[i]) transitions.push({ from: key(i), to: key(to), probability: p });
    if (t.pConv[i] > 0) transitions.push({ from: key(i), to: '(conversion)', probability: t.pConv[i] });
    if (t.pNull[i] > 0) transitions.push({ from: key(i), to: '(null)', probability: t.pNull[i] });
  }

  return {
    order,
    channels: chain.channels,
    states: chain.states.map((s) => s.map((c) => chain.channels[c])),
    transitions,
    conversionProbability: pConv,
    valuePerJourney: vStart,
    removalEffects,
    removalEffectsValue,
    credit,
  };
}

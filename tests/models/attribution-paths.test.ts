import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attributePaths, PATH_MODELS } from '../../models/attribution-paths';
import { heuristicAttribution, pathTouchWeights } from '../../models/attribution-heuristics';
import { markovAttribution } from '../../models/markov';
import { aggregatePaths, parsePathFile, PathFileError } from '../../models/paths';

const DATA = path.resolve(__dirname, '../../../shared/data/channelattribution/Data.csv');
const text = readFileSync(DATA, 'utf8');
const paths = parsePathFile(text);
const rel = (got: number, want: number) => Math.abs(got - want) / Math.max(1, Math.abs(want));

/**
 * An independent, straightforward reading of Data.csv: split each line, then
 * credit first, last, each touch 1/n (linear), 40/20/40 (position) and
 * 2^-(steps before the last touch) (time-decay, half-life 1 step).
 */
function straightforward(): Record<string, Record<string, { conversions: number; value: number }>> {
  const out: Record<string, Record<string, { conversions: number; value: number }>> = {};
  const give = (model: string, ch: string, share: number, conv: number, value: number) => {
    const m = (out[model] ??= {});
    const c = (m[ch] ??= { conversions: 0, value: 0 });
    c.conversions += share * conv;
    c.value += share * value;
  };
  const lines = text.trim().split('\n').slice(1);
  for (const line of lines) {
    const [p, convText, valueText] = line.split(';');
    const chs = p.split('>').map((s) => s.trim());
    const conv = Number(convText);
    const value = Number(valueText);
    const n = chs.length;
    give('first', chs[0], 1, conv, value);
    give('last', chs[n - 1], 1, conv, value);
    let decaySum = 0;
    for (let i = 0; i < n; i++) decaySum += 2 ** -(n - 1 - i);
    for (let i = 0; i < n; i++) {
      give('linear', chs[i], 1 / n, conv, value);
      const pos = n === 1 ? 1 : n === 2 ? 0.5 : i === 0 || i === n - 1 ? 0.4 : 0.2 / (n - 2);
      give('position', chs[i], pos, conv, value);
      give('time-decay', chs[i], 2 ** -(n - 1 - i) / decaySum, conv, value);
    }
  }
  return out;
}

/**
 * ChannelAttribution 2.2.5 (PyPI) heuristic_models(Data, "path", "total_conversions",
 * var_value="total_conversion_value", sep=">") on this Data.csv, as it printed them.
 * channel: [first conv, first value, last conv, last value, linear conv, linear value]
 */
const PACKAGE_HEURISTICS: Record<string, number[]> = {
  eta: [3164, 11909.47621303163, 4167, 16754.203800105723, 3539.951157100566, 13783.497050920105],
  iota: [4606, 19597.261276975205, 3355, 13487.974271357711, 3857.09622101776, 15988.988995023583],
  alpha: [6308, 19121.272355798723, 8447, 28414.214274363931, 7574.718593751173, 24524.709568833507],
  beta: [2831, 12235.591744355301, 989, 3850.020987258204, 2083.50014458908, 8954.266716607803],
  theta: [1606, 6652.349347446829, 653, 2799.091987581701, 1022.801393904218, 4295.743619487193],
  lambda: [902, 3735.602164915967, 1207, 5249.949985427813, 1035.257572285535, 4430.316169428445],
  kappa: [74, 305.74325, 230, 1069.38425, 137.964077922278, 599.747786255267],
  zeta: [27, 103.004, 107, 453.26075, 136.551540466445, 539.528763052843],
  epsilon: [99, 412.301242857143, 531, 2202.612289285718, 272.17043772046, 1106.270065266545],
  gamma: [165, 718.977991830065, 92, 506.013991830066, 121.041639020267, 569.417357891057],
  delta: [1, 6.119, 5, 10.972, 1.725, 4.40405],
  mi: [2, 5.273, 2, 5.273, 2.222222222222, 6.081444444444],
};

describe('heuristic models on ChannelAttribution Data.csv', () => {
  const r = attributePaths(paths, { models: ['first', 'last', 'linear', 'position', 'time-decay'] });
  const want = straightforward();

  it.each(['first', 'last', 'linear', 'position', 'time-decay'].map((model) => ({ model })))(
    '$model equals a line-by-line reimplementation (relative 1e-9) and reconciles to the file totals',
    ({ model }) => {
      const got = r.models[model as 'first']!;
      expect(Object.keys(got).sort()).toEqual(Object.keys(want[model]).sort());
      for (const [ch, c] of Object.entries(want[model])) {
        expect(rel(got[ch].conversions, c.conversions)).toBeLessThan(1e-9);
        expect(rel(got[ch].value, c.value)).toBeLessThan(1e-9);
      }
      const conv = Object.values(got).reduce((s, c) => s + c.conversions, 0);
      const value = Object.values(got).reduce((s, c) => s + c.value, 0);
      expect(rel(conv, r.totals.conversions)).toBeLessThan(1e-12);
      expect(rel(value, r.totals.value)).toBeLessThan(1e-12);
    },
  );

  it('first, last and linear equal what ChannelAttribution 2.2.5 prints (relative 1e-12: its 16 printed digits)', () => {
    for (const [ch, [fc, fv, lc, lv, nc, nv]] of Object.entries(PACKAGE_HEURISTICS)) {
      expect(rel(r.models.first![ch].conversions, fc)).toBeLessThan(1e-12);
      expect(rel(r.models.first![ch].value, fv)).toBeLessThan(1e-12);
      expect(rel(r.models.last![ch].conversions, lc)).toBeLessThan(1e-12);
      expect(rel(r.models.last![ch].value, lv)).toBeLessThan(1e-12);
      expect(rel(r.models.linear![ch].conversions, nc)).toBeLessThan(1e-12);
      expect(rel(r.models.linear![ch].value, nv)).toBeLessThan(1e-12);
    }
    expect(r.totals.conversions).toBe(Object.values(PACKAGE_HEURISTICS).reduce((s, x) => s + x[0], 0));
  });

  it('time-decay uses ages in days when a path carries them (exact binary fractions)', () => {
    const w = pathTouchWeights('time-decay', { channels: ['a', 'b', 'c'], conversions: 1, value: 0, nulls: 0, ageDays: [60, 30, 0] }, { halfLife: 30 });
    expect(w).toEqual([1 / 7, 2 / 7, 4 / 7]);
    const credit = heuristicAttribution([{ channels: ['a', 'b', 'a'], conversions: 7, value: 70, nulls: 0, ageDays: [60, 30, 0] }], 'time-decay', { halfLife: 30 });
    expect(credit).toEqual({ a: { conversions: 5, value: 50 }, b: { conversions: 2, value: 20 } });
  });
});

describe('Markov model on Data.csv against ChannelAttribution 2.2.5', () => {
  // transition_matrix(Data, ..., var_null="total_null", order=1, sep=">", flg_equal=False)
  // ids: 1 eta, 2 iota, 3 alpha, 4 beta, 5 theta, 6 lambda, 7 kappa, 8 zeta, 9 epsilon, 10 gamma, 11 delta, 12 mi
  const START: Record<string, number> = {
    eta: 0.16080419066152263, iota: 0.23110864719924876, alpha: 0.32636021134329707, beta: 0.137112923846267,
    theta: 0.0836208944754319, lambda: 0.0434113613993008, gamma: 0.007874461176417347, epsilon: 0.004921538235260842,
    kappa: 0.0034507337051828887, zeta: 0.001210585267064161, mi: 9.051104800479708e-5, delta: 3.3941643001798906e-5,
  };
  const FROM_ALPHA: Record<string, number> = {
    eta: 0.04133559345975916, iota: 0.1095101882261539, '(conversion)': 0.1491506868665466, '(null)': 0.5287459829784229,
    theta: 0.06151781615284105, lambda: 0.03757460182928982, epsilon: 0.020093936504573223, zeta: 0.008952219514779107,
    beta: 0.03469647208390719, gamma: 0.0034784758272415864, kappa: 0.004891054843380302, delta: 5.297171310520182e-5,
  };
  // order=2, from state "3 2" (alpha > iota)
  const FROM_ALPHA_IOTA: Record<string, number> = {
    'iota > alpha': 0.15188648822960335, 'iota > iota': 0.42663656884875845, '(conversion)': 0.055304740406320545,
    '(null)': 0.19929055143502097, 'iota > epsilon': 0.012415349887133182, 'iota > theta': 0.038697194453402126,
    'iota > lambda': 0.025959367945823927, 'iota > zeta': 0.008061915511125443, 'iota > beta': 0.034988713318284424,
    'iota > eta': 0.03514995162850693, 'iota > kappa': 0.0064495324089003546, 'iota > gamma': 0.0051596259271202835,
  };
  const rows = (order: number, from: string) =>
    Object.fromEntries(markovAttribution(aggregatePaths(paths), { order }).transitions.filter((t) => t.from === from).map((t) => [t.to, t.probability]));

  it('order-1 transition probabilities equal the package transition_matrix (relative 1e-12)', () => {
    for (const [from, want] of [['(start)', START], ['alpha', FROM_ALPHA]] as const) {
      const got = rows(1, from);
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      for (const [to, p] of Object.entries(want)) expect(rel(got[to], p)).toBeLessThan(1e-12);
    }
  });

  it('order-2 states and transitions equal the package transition_matrix (relative 1e-12)', () => {
    const got = rows(2, 'alpha > iota');
    expect(Object.keys(got).sort()).toEqual(Object.keys(FROM_ALPHA_IOTA).sort());
    for (const [to, p] of Object.entries(FROM_ALPHA_IOTA)) expect(rel(got[to], p)).toBeLessThan(1e-12);
  });

  it("exact removal effects lie within 4.5 standard errors of the package's simulated ones", () => {
    // markov_model(..., order=1, out_more=True) removal_effects_conversion: the share of its
    // 2350 simulated conversions (1/2350 = its smallest step) whose path visits the channel.
    const simulated: Record<string, number> = {
      eta: 0.348936, iota: 0.395745, alpha: 0.558723, beta: 0.265957, theta: 0.205957, lambda: 0.13617,
      kappa: 0.03234, zeta: 0.03617, epsilon: 0.065106, gamma: 0.017021, delta: 0.000851, mi: 0.000426,
    };
    const n = 2350;
    const r = attributePaths(paths, { models: ['markov'] });
    for (const [ch, p] of Object.entries(simulated)) {
      const se = Math.sqrt((Math.max(p, 1 / n) * (1 - p)) / n);
      expect(Math.abs(r.removalEffects![ch] - p)).toBeLessThan(4.5 * se);
    }
    const credit = Object.values(r.models.markov!);
    expect(rel(credit.reduce((s, c) => s + c.conversions, 0), r.totals.conversions)).toBeLessThan(1e-12);
    expect(rel(credit.reduce((s, c) => s + c.value, 0), r.totals.value)).toBeLessThan(1e-12);
  });

  it('order 2 by dense elimination equals Gauss-Seidel on the same chain (relative 1e-12)', () => {
    const dense = markovAttribution(paths, { order: 2, solver: 'dense' });
    const iterative = markovAttribution(paths, { order: 2, solver: 'iterative' });
    for (const ch of dense.channels) expect(rel(iterative.removalEffects[ch], dense.removalEffects[ch])).toBeLessThan(1e-12);
  });
});

describe('attributePaths on Data.csv: every model reconciles', () => {
  it('all models in about a second; Shapley exact equals simplified (relative 1e-9)', () => {
    const started = performance.now();
    const r = attributePaths(paths);
    expect(performance.now() - started).toBeLessThan(5000); // measured ~0.2 s
    for (const m of PATH_MODELS) {
      const credit = Object.values(r.models[m]!);
      expect(rel(credit.reduce((s, c) => s + c.conversions, 0), r.totals.conversions)).toBeLessThan(1e-9);
      expect(rel(credit.reduce((s, c) => s + c.value, 0), r.totals.value)).toBeLessThan(1e-9);
    }
    for (const [ch, c] of Object.entries(r.models.shapley!)) expect(rel(r.models.shapley_simplified![ch].conversions, c.conversions)).toBeLessThan(1e-9);
  });
});

describe('parsePathFile', () => {
  it('names the line and the problem', () => {
    expect(() => parsePathFile('path;total_conversions\na > b;x\n')).toThrow(new PathFileError(2, 'total_conversions must be a number >= 0, not "x"'));
    expect(() => parsePathFile('path;total_conversions\na > b;1;2\n')).toThrow(/line 2: expected 2 fields/);
    expect(() => parsePathFile('route;total_conversions\n')).toThrow(/line 1: the header lacks the "path" column/);
    expect(() => parsePathFile('path;total_conversions\n > ;1\n')).toThrow(/line 2: the path has no channel/);
  });
  it('reads CRLF, a BOM, another separator and missing optional columns', () => {
    expect(parsePathFile('\uFEFFtotal_conversions,path\r\n3,a > b\r\n', { sep: ',' })).toEqual([{ channels: ['a', 'b'], conversions: 3, value: 0, nulls: 0 }]);
  });
  it('reads CSV-quoted fields: a quoted path, a quote inside, a separator inside quotes', () => {
    const text = 'path,total_conversions,total_conversion_value,total_null\n"a > b",3,30,1\n"x ""vip"" > c,d",1,5,0\nb,"2",7,4\n';
    expect(parsePathFile(text, { sep: ',' })).toEqual([
      { channels: ['a', 'b'], conversions: 3, value: 30, nulls: 1 },
      { channels: ['x "vip"', 'c,d'], conversions: 1, value: 5, nulls: 0 },
      { channels: ['b'], conversions: 2, value: 7, nulls: 4 },
    ]);
    expect(() => parsePathFile('path;total_conversions\n"a > b;1\n')).toThrow(/line 2: a quoted field is not closed/);
    expect(() => parsePathFile('path;total_conversions\n"a"b;1\n')).toThrow(/line 2: a quoted field is followed by "b"/);
  });
});

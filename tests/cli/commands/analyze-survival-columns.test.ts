import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeSurvival, type AnalyzeSurvivalOptions } from '../../../cli/commands/analyze-survival';
import { dummies } from '../../../cli/survival-columns';

/**
 * `analyze survival` on columns written in words: an event column of Yes/No
 * with --event-true gives the Cox fit of the same column as 1/0, and a
 * categorical covariate's dummies give the fit of hand-made 0/1 columns. The
 * reference is R's coxph (Efron) on the rossi data, as lifelines documents it.
 */
const ROSSI = join(__dirname, '../../../../shared/data/lifelines/rossi.csv');
const tmp = mkdtempSync(join(tmpdir(), 'acvloop-survival-columns-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** rossi.csv with extra columns computed from each row (by header name), written to a file of its own. */
function rossiWith(name: string, extra: Record<string, (row: Record<string, string>) => string>, drop: string[] = []): string {
  const [head, ...lines] = readFileSync(ROSSI, 'utf8').trim().split('\n');
  const cols = head.split(',');
  const keep = cols.filter((c) => !drop.includes(c));
  const out = [[...keep, ...Object.keys(extra)].join(',')];
  for (const line of lines) {
    const row = Object.fromEntries(line.split(',').map((v, i) => [cols[i], v]));
    out.push([...keep.map((c) => row[c]), ...Object.values(extra).map((f) => f(row))].join(','));
  }
  const file = join(tmp, `${name}.csv`);
  writeFileSync(file, out.join('\n') + '\n');
  return file;
}

const cox = (o: Omit<AnalyzeSurvivalOptions, 'duration'>) => analyzeSurvival({ duration: 'week', ...o }).cox!;
const R_COXPH = { fin: -0.37942, age: -0.05744, race: 0.3139, wexp: -0.1498, mar: -0.4337, paro: -0.08487, prio: 0.0915 };
const close = (got: Record<string, number>, want: Record<string, number>, tol: number) => {
  expect(Object.keys(got)).toEqual(Object.keys(want));
  for (const [k, v] of Object.entries(want)) expect(Math.abs(got[k] - v), k).toBeLessThan(tol);
};

describe('an event column of words, with --event-true', () => {
  const file = rossiWith('arrest-yes-no', { arrested: (r) => (r.arrest === '1' ? 'Yes' : 'No') }, ['arrest']);
  const covariates = 'fin,age,race,wexp,mar,paro,prio';

  it('fits the Cox model of the same column as 1/0, and R coxph\'s coefficients', () => {
    const words = cox({ csv: file, event: 'arrested', eventTrue: 'Yes', covariates });
    const flags = cox({ csv: ROSSI, event: 'arrest', covariates });
    close(words.coefficients, flags.coefficients, 1e-12);
    close(words.standardErrors, flags.standardErrors, 1e-12);
    close(words.coefficients, R_COXPH, 1e-4);
    expect(analyzeSurvival({ csv: file, duration: 'week', event: 'arrested', eventTrue: 'Yes' }).kaplanMeier.all).toEqual({ median: null, n: 432, events: 114 });
  });

  it('without --event-true, says how to name the event', () => {
    expect(() => cox({ csv: file, event: 'arrested', covariates })).toThrow(/line 2: event column "arrested" is "Yes", not 0\/1 or true\/false \(when the event is written otherwise, name it: --event-true "Yes"\)/);
  });

  it('refuses a third value rather than reading it as censored', () => {
    let censored = 0;
    // The tenth censored row says "no" where the others say "No".
    const odd = rossiWith('arrest-three', { arrested: (r) => (r.arrest === '1' ? 'Yes' : ++censored === 10 ? 'no' : 'No') }, ['arrest']);
    expect(() => cox({ csv: odd, event: 'arrested', eventTrue: 'Yes', covariates })).toThrow(/event column "arrested" is "no", a third value beside "Yes" \(the event\) and "No" \(censored\)/);
  });
});

describe('a categorical covariate, with --categorical', () => {
  it('two levels: the dummy against the reference is the hand-made 0/1 column, and the output names the reference', () => {
    const file = rossiWith('fin-words', { aid: (r) => (r.fin === '1' ? 'financial aid' : 'none') });
    const words = cox({ csv: file, event: 'arrest', covariates: 'age,race,wexp,mar,paro,prio', categorical: 'aid' });
    const flags = cox({ csv: file, event: 'arrest', covariates: 'age,race,wexp,mar,paro,prio,fin' });
    expect(words.references).toEqual({ aid: 'financial aid' });
    // "financial aid" sorts first, so it is the reference and the dummy is the opposite of fin.
    expect(Math.abs(words.coefficients['aid=none'] + flags.coefficients.fin)).toBeLessThan(1e-9);
    const relevelled = cox({ csv: file, event: 'arrest', covariates: 'age,race,wexp,mar,paro,prio', categorical: 'aid=none' });
    expect(relevelled.references).toEqual({ aid: 'none' });
    expect(Math.abs(relevelled.coefficients['aid=financial aid'] - R_COXPH.fin)).toBeLessThan(1e-4);
    expect(Math.abs(relevelled.coefficients['aid=financial aid'] - flags.coefficients.fin)).toBeLessThan(1e-9);
    expect(Math.abs(relevelled.standardErrors['aid=financial aid'] - flags.standardErrors.fin)).toBeLessThan(1e-9);
    expect(Math.abs(relevelled.logLikelihood - flags.logLikelihood)).toBeLessThan(1e-9);
  });

  it('three levels: two dummies, the fit of two hand-made 0/1 columns', () => {
    const band = (r: Record<string, string>) => (Number(r.prio) === 0 ? 'none' : Number(r.prio) <= 3 ? 'few' : 'many');
    const file = rossiWith('prio-bands', { band, few: (r) => (band(r) === 'few' ? '1' : '0'), many: (r) => (band(r) === 'many' ? '1' : '0') });
    const words = cox({ csv: file, event: 'arrest', covariates: 'fin,age', categorical: 'band=none' });
    const flags = cox({ csv: file, event: 'arrest', covariates: 'fin,age,few,many' });
    expect(Object.keys(words.coefficients)).toEqual(['fin', 'age', 'band=few', 'band=many']);
    expect(words.references).toEqual({ band: 'none' });
    close(words.coefficients, { fin: flags.coefficients.fin, age: flags.coefficients.age, 'band=few': flags.coefficients.few, 'band=many': flags.coefficients.many }, 1e-9);
    expect(Math.abs(words.logLikelihood - flags.logLikelihood)).toBeLessThan(1e-9);
  });

  it('refuses a reference that is not a level, and a column of one level', () => {
    const file = rossiWith('one-level', { aid: (r) => (r.fin === '1' ? 'yes' : 'no'), same: () => 'x' });
    expect(() => cox({ csv: file, event: 'arrest', categorical: 'aid=maybe' })).toThrow(/--categorical aid=maybe: "maybe" is not a level of "aid" \(no, yes\)/);
    expect(() => cox({ csv: file, event: 'arrest', categorical: 'same' })).toThrow(/categorical column "same" has one level only/);
  });
});

describe('dummies', () => {
  const rows = ['SMB', 'ENT', 'MM', 'SMB'].map((v, i) => ({ line: i + 2, cells: [v] }));
  it.each([
    ['the first level in sorted order is the reference', undefined, ['segment=MM', 'segment=SMB'], [[0, 1], [0, 0], [1, 0], [0, 1]], 'ENT'],
    ['a named reference', 'SMB', ['segment=ENT', 'segment=MM'], [[0, 0], [1, 0], [0, 1], [0, 0]], 'SMB'],
  ])('%s', (_label, reference, names, x, ref) => {
    expect(dummies('t.csv', rows, [{ column: 'segment', reference }], [0])).toEqual({ names, rows: x, references: { segment: ref } });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';

import { analyzeRetentionCommand } from '../../../cli/commands/analyze-retention';
import { analyzeSurvivalCommand } from '../../../cli/commands/analyze-survival';

const DATA = join(__dirname, '../../../../shared/data/lifelines');
const tmp = mkdtempSync(join(tmpdir(), 'acvloop-analyze-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Build `acvloop analyze …` with the two commands registered, parse argv, and return what it printed. */
async function run(args: string[]): Promise<{ stdout: string; error: string | null }> {
  const program = new Command('acvloop').exitOverride();
  const analyze = program.command('analyze').exitOverride();
  analyzeSurvivalCommand(analyze);
  analyzeRetentionCommand(analyze);
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'acvloop', 'analyze', ...args]);
    return { stdout, error: null };
  } catch (err) {
    return { stdout, error: (err as Error).message };
  } finally {
    spy.mockRestore();
  }
}

describe('acvloop analyze survival --json', () => {
  it('rossi with 7 covariates: Cox coefficients, SEs, log-likelihood and concordance of R coxph (Efron) (tol 1e-4; LL 1e-3; C 0.005)', async () => {
    const { stdout, error } = await run(['survival', '--csv', `${DATA}/rossi.csv`, '--duration', 'week', '--event', 'arrest',
      '--covariates', 'fin,age,race,wexp,mar,paro,prio', '--json']);
    expect(error).toBeNull();
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).toEqual(['kaplanMeier', 'logRank', 'cox']);
    const want = { fin: -0.37942, age: -0.05744, race: 0.3139, wexp: -0.1498, mar: -0.4337, paro: -0.08487, prio: 0.0915 };
    const se = { fin: 0.1914, age: 0.022, race: 0.308, wexp: 0.2122, mar: 0.3819, paro: 0.1958, prio: 0.0286 };
    expect(Object.keys(out.cox.coefficients)).toEqual(Object.keys(want));
    for (const [k, v] of Object.entries(want)) expect(Math.abs(out.cox.coefficients[k] - v)).toBeLessThan(1e-4);
    for (const [k, v] of Object.entries(se)) expect(Math.abs(out.cox.standardErrors[k] - v)).toBeLessThan(1e-4);
    expect(Math.abs(out.cox.logLikelihood - -658.748)).toBeLessThan(1e-3);
    expect(Math.abs(out.cox.concordance - 0.64)).toBeLessThan(0.005);
    // No --group: one curve, "all", and no log-rank test. 114 arrests of 432, fewer than half: median never reached.
    expect(out.kaplanMeier).toEqual({ all: { median: null, n: 432, events: 114 } });
    expect(out.logRank).toBeNull();
  });

  it('dd --group democracy: medians 3 and 6 (Democracy / Non-democracy), log-rank 260.47 (lifelines, tol 0.005)', async () => {
    const { stdout, error } = await run(['survival', '--csv', `${DATA}/dd.csv`, '--duration', 'duration', '--event', 'observed', '--group', 'democracy', '--json']);
    expect(error).toBeNull();
    const out = JSON.parse(stdout);
    expect(out.kaplanMeier).toEqual({
      Democracy: { median: 3, n: 1187, events: 1027 },
      'Non-democracy': { median: 6, n: 621, events: 441 },
    });
    expect(Math.abs(out.logRank.statistic - 260.47)).toBeLessThan(0.005);
    expect(out.logRank.p).toBeLessThan(1e-50);
    expect(out.cox).toBeNull();
  });

  it('dd without a group: the overall median is 4.0, as lifelines documents', async () => {
    const { stdout } = await run(['survival', '--csv', `${DATA}/dd.csv`, '--duration', 'duration', '--event', 'observed', '--json']);
    expect(JSON.parse(stdout).kaplanMeier.all).toEqual({ median: 4, n: 1808, events: 1468 });
  });

  it('prints a readable summary without --json', async () => {
    const { stdout } = await run(['survival', '--csv', `${DATA}/waltons.csv`, '--duration', 'T', '--event', 'E', '--group', 'group']);
    expect(stdout).toMatch(/Log-rank test: chi-square 122\.25 on 1 df/);
    expect(stdout).toMatch(/miR-137/);
    expect(stdout).toMatch(/on 1 df, p = \d\.\de-\d+$/m);
  });

  it('prints a p-value too small for a double as p < 1e-300, not p = 0.000e+0', async () => {
    // Two groups that never overlap: all of one ends by month 3, all of the other after month 50 (chi-square about 3,160).
    const rows = Array.from({ length: 1500 }, (_, i) => `${1 + (i % 3)},1,early\n${50 + (i % 7)},1,late\n`).join('');
    const file = join(tmp, 'apart.csv');
    writeFileSync(file, `t,e,g\n${rows}`);
    const { stdout, error } = await run(['survival', '--csv', file, '--duration', 't', '--event', 'e', '--group', 'g']);
    expect(error).toBeNull();
    expect(stdout).toMatch(/Log-rank test: chi-square 3\d{3}\.\d\d on 1 df, p < 1e-300$/m);
    expect(stdout).not.toMatch(/e\+0/);
  });

  it.each([
    ['a non-numeric duration', 'week,arrest\n20,1\nabc,0\n', ['--duration', 'week', '--event', 'arrest'], /bad\.csv, line 3: column "week" is "abc", not a number/],
    ['a bad event flag', 'week,arrest\n20,yes\n', ['--duration', 'week', '--event', 'arrest'], /line 2: event column "arrest" is "yes"/],
    ['a non-numeric covariate', 'week,arrest,fin\n20,1,0\n17,1,x\n', ['--duration', 'week', '--event', 'arrest', '--covariates', 'fin'], /line 3: column "fin" is "x", not a number/],
    ['a missing column', 'week,arrest\n20,1\n', ['--duration', 'weeks', '--event', 'arrest'], /--duration names column "weeks", which is not in the header \(week, arrest\)/],
    ['a ragged row', 'week,arrest\n20,1\n17,1,9\n', ['--duration', 'week', '--event', 'arrest'], /bad\.csv, line 3: the row has 3 fields where the header has 2/],
  ])('bad input (%s): one line naming file, line and problem', async (_label, text, args, message) => {
    const file = join(tmp, 'bad.csv');
    writeFileSync(file, text);
    const { error } = await run(['survival', '--csv', file, ...args, '--json']);
    expect(error).toMatch(message);
    expect(error).not.toMatch(/\n/);
  });
});

describe('acvloop analyze retention --json', () => {
  it('Fader & Hardie regular customers: α 0.704, β 1.182 (tol 5e-4), LL −1680.3 (tol 0.05); survival and retention to the horizon', async () => {
    const { stdout, error } = await run(['retention', '--survivors', '1000,631,468,382,326,289,262,241', '--horizon', '12', '--json']);
    expect(error).toBeNull();
    const out = JSON.parse(stdout);
    for (const k of ['alpha', 'beta', 'logLikelihood', 'survival', 'retention']) expect(out).toHaveProperty(k);
    expect(Math.abs(out.alpha - 0.704)).toBeLessThan(5e-4);
    expect(Math.abs(out.beta - 1.182)).toBeLessThan(5e-4);
    expect(Math.abs(out.logLikelihood - -1680.3)).toBeLessThan(0.05);
    expect(out.survival).toHaveLength(13);
    expect(out.retention).toHaveLength(12);
    // r(1) = β / (α + β) (closed form, tol 1e-12)
    expect(Math.abs(out.retention[0] - out.beta / (out.alpha + out.beta))).toBeLessThan(1e-12);
  });
  it('bad survivors: one line naming the value and the problem', async () => {
    expect((await run(['retention', '--survivors', '1000,abc,400', '--json'])).error).toMatch(/--survivors: value 2 \("abc"\) is not a count/);
    expect((await run(['retention', '--survivors', '1000,600,700'])).error).toMatch(/value 3 \(700\) is larger than the one before \(600\)/);
    expect((await run(['retention', '--survivors', '1000,600', '--horizon', '0'])).error).toMatch(/--horizon takes a whole number/);
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acvloop, ROOT } from '../helpers/cli';

/**
 * The analyst commands as a user runs them (the real binary, no database):
 * the issue's JSON keys, on the public reference data. Values are checked
 * in the commands' own tests; here, that `acvloop analyze ...` is wired and
 * prints those keys, with the published figures as a sanity anchor.
 */
const DATA = path.resolve(ROOT, '..', 'shared', 'data');

describe('acvloop analyze', () => {
  it('attribution on ChannelAttribution Data.csv prints models and removal effects', async () => {
    const r = await acvloop(['analyze', 'attribution', '--paths', path.join(DATA, 'channelattribution', 'Data.csv'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out.models).sort()).toEqual(['first', 'last', 'linear', 'markov', 'position', 'shapley', 'time-decay'].sort());
    for (const model of Object.values<any>(out.models)) {
      for (const c of Object.values<any>(model)) expect(Object.keys(c).sort()).toEqual(['conversions', 'value']);
    }
    // Every model credits all the file's conversions (sum of total_conversions; tolerance 1e-6 relative).
    const total = (m: string) => Object.values<any>(out.models[m]).reduce((s, c) => s + c.conversions, 0);
    for (const m of Object.keys(out.models)) expect(total(m)).toBeCloseTo(total('first'), 3);
    expect(Object.keys(out.removalEffects).length).toBe(Object.keys(out.models.first).length);
  });

  it('survival on lifelines rossi (Cox, Efron) and dd (KM by group, log-rank)', async () => {
    const rossi = await acvloop(['analyze', 'survival', '--csv', path.join(DATA, 'lifelines', 'rossi.csv'), '--duration', 'week', '--event', 'arrest',
      '--covariates', 'fin,age,race,wexp,mar,paro,prio', '--json']);
    expect(rossi.code).toBe(0);
    const cox = JSON.parse(rossi.stdout).cox;
    expect(Object.keys(cox)).toEqual(expect.arrayContaining(['coefficients', 'standardErrors', 'logLikelihood', 'concordance']));
    // R coxph(ties = 'efron') on rossi: fin -0.37942, loglik -658.748 (tolerance 1e-3).
    expect(cox.coefficients.fin).toBeCloseTo(-0.37942, 3);
    expect(cox.logLikelihood).toBeCloseTo(-658.748, 2);

    const dd = await acvloop(['analyze', 'survival', '--csv', path.join(DATA, 'lifelines', 'dd.csv'), '--duration', 'duration', '--event', 'observed',
      '--group', 'democracy', '--json']);
    expect(dd.code).toBe(0);
    const out = JSON.parse(dd.stdout);
    expect(Object.keys(out.kaplanMeier).sort()).toEqual(['Democracy', 'Non-democracy']);
    expect(Object.keys(out.kaplanMeier.Democracy).sort()).toEqual(['events', 'median', 'n']);
    // lifelines documents the log-rank statistic of dd by democracy as 260.47 (tolerance 0.01).
    expect(out.logRank.statistic).toBeCloseTo(260.47, 1);
    expect(out.logRank.p).toBeLessThan(1e-50);
  });

  it('retention (sBG) on Fader & Hardie regular customers', async () => {
    const r = await acvloop(['analyze', 'retention', '--survivors', '1000,631,468,382,326,289,262,241', '--horizon', '12', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(expect.arrayContaining(['alpha', 'beta', 'logLikelihood', 'survival', 'retention']));
    // Fader & Hardie (2007): alpha 0.704, beta 1.182 (tolerance 1e-3).
    expect(out.alpha).toBeCloseTo(0.704, 3);
    expect(out.beta).toBeCloseTo(1.182, 3);
  });

  it('bad input is one line naming the file', async () => {
    const r = await acvloop(['analyze', 'survival', '--csv', path.join(DATA, 'lifelines', 'rossi.csv'), '--duration', 'nope', '--event', 'arrest', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('rossi.csv');
  });
});

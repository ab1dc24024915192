import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDrop } from '../../contracts';
import { generateDrop } from '../../generator';
import { fitMmm, storeMmm, type MmmFit, type StoredMmm } from '../../models/mmm';
import { coverageSentence, describeIncrementality, UNRECORDED_RIDGE, type IncrementalityCard } from '../../models/mmm-card';
import { mmmSeries } from '../../models/mmm-series';
import { plantedWorld } from '../helpers/planted-identifiability';

/**
 * The model card (issue 13): its sentences carry the stored fit's own
 * numbers, on a fit made as the retrain stage makes it (a generated drop,
 * mmmSeries, fitMmm; no bootstrap to keep it quick), and it degrades to
 * "not recorded" for an older stored fit.
 */
const dir = mkdtempSync(join(tmpdir(), 'acvloop-mmm-card-'));
let fit: MmmFit;
let stored: StoredMmm;

beforeAll(async () => {
  await generateDrop({ outDir: dir, seed: 5, accounts: 400, months: 30, end: '2026-10' });
  const v = await validateDrop(dir);
  expect(v.ok).toBe(true);
  const asOf = '2026-11-01';
  const opportunities = v.rows.opportunities.filter((o) => o.created_at < asOf)
    .map((o) => (o.closed_at !== null && o.closed_at >= asOf ? { ...o, stage: 'open' as const, closed_at: null } : o));
  const series = mmmSeries({ opportunities, touchpoints: v.rows.touchpoints.filter((t) => t.occurred_at < asOf), spend: v.rows.spend.filter((s) => s.month <= '2026-10') },
    { to: '2026-10', lookbackDays: 180 });
  fit = fitMmm(series, { bootstrap: 0, seed: 3 });
  stored = JSON.parse(JSON.stringify(storeMmm(fit)));
}, 240_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cardText = (card: IncrementalityCard) => [...card.lines, ...card.channels.map((c) => c.text)];
const usd = (x: number) => `$${Math.round(x).toLocaleString('en-US')}`;

describe('the incrementality model card', () => {
  it('says for every channel the fitted carry-over (percent = decay), half-saturation in dollars and shape, and the months learned from', () => {
    const card = describeIncrementality(stored);
    expect(card.available).toBe(true);
    expect(card.channels.map((c) => c.channel)).toEqual([...fit.channels].sort());
    expect(card.lines).toContain(`Learned from ${fit.months.length} months, ${fit.months[0]} to ${fit.months[fit.months.length - 1]}.`);
    for (const c of card.channels) {
      const t = fit.transforms[c.channel];
      if (t.decay > 0) {
        const carried = Number(/about (\d+)% of a month's effect carries into the next/.exec(c.text)![1]);
        expect(carried, c.channel).toBe(Math.round(t.decay * 100));
        expect(c.text).toContain(`(geometric adstock, decay ${t.decay.toFixed(2)})`);
      } else expect(c.text).toContain('nothing carries into the next (geometric adstock, decay 0)');
      expect(c.text).toContain(`half of the most it can do at ${usd(t.halfSaturation)} of accumulated spend`);
      expect(c.text).toContain(`(Hill curve, shape ${t.shape}`);
      const r = fit.results.find((x) => x.channel === c.channel)!;
      expect(c.text).toContain(`it spent ${usd(r.spend)} and caused an estimated ${usd(r.incrementalAcv)} of new ACV`);
      expect(c.identified).toBe(r.identifiability.identified);
      if (fit.unitValue[c.channel] !== 1) expect(c.text).toContain(`each opportunity it causes counts as ${usd(fit.unitValue[c.channel])} of ACV`);
    }
  });

  it('says what pulls the effects toward zero, that a fit without a bootstrap has no ranges, and what the forecast adds', () => {
    const text = cardText(describeIncrementality(stored, { metrics: { experiments: { used: 0, ignored: 0 } } })).join('\n');
    expect(text).toContain(`a ridge penalty of ${UNRECORDED_RIDGE} pulls every channel's effect toward zero`);
    expect(text).toContain('this version does not record its penalty');
    expect(text).toContain('No ranges: this version was fitted without a bootstrap');
    expect(text).toContain(`about ±${fit.residualSd.toFixed(1)} opportunities a month`);
    expect(text).toContain('No lift test calibrated it');
    // The beliefs about touches it averaged, read from the fit (fitted with journeys, so more than one).
    expect(fit.touchPriors!.length).toBeGreaterThan(1);
    expect(text).toContain(`the estimate averages ${fit.touchPriors!.length} beliefs`);
    expect(text).toContain(`the middle belief (${fit.touchPriors![Math.floor((fit.touchPriors!.length - 1) / 2)]}×)`);
  });

  it('names a lift test that disagreed with the model as the one that decided its channel\'s estimate; agreeing tests only calibrate', () => {
    const lift = (channel: string, verdict: string) => ({ channel, verdict, test: { start: '2026-03', end: '2026-04' } });
    const used = { experiments: { used: 2, ignored: 0 } };
    const text = cardText(describeIncrementality(stored, { metrics: { ...used, calibration: [lift('event', 'disagrees'), lift('display', 'agrees')] } })).join('\n');
    expect(text).toContain('Calibrated with 2 lift tests from experiments.csv');
    expect(text).toContain('The test on event (2026-03..2026-04) disagreed with the spend history beyond both 80% intervals, ' +
      'so it decided the channel\'s estimate instead of being averaged with the data: check the test and the channel\'s data.');
    const agreed = cardText(describeIncrementality(stored, { metrics: { ...used, calibration: [lift('display', 'agrees')] } })).join('\n');
    expect(agreed).not.toContain('decided');
  });

  it('the ridge it names for a fit that does not record one is the one fitMmm uses by default (exact)', () => {
    const { months, outcome, spend } = plantedWorld(3).input;
    const input = { months, outcome, spend: { webinar: spend.webinar, search: spend.search } };
    expect(fitMmm(input, { bootstrap: 0 }).coef).toEqual(fitMmm(input, { bootstrap: 0, ridge: UNRECORDED_RIDGE }).coef);
  });

  it('reads a recorded ridge, and prints a priors object it does not know the shape of', () => {
    const ridged = cardText(describeIncrementality({ ...stored, options: { ridge: 0.25, seasonRidge: 0.05 } })).join('\n');
    expect(ridged).toContain('a ridge penalty of 0.25 pulls');
    expect(ridged).toContain('roughly 20% smaller'); // 0.25 / 1.25
    expect(ridged).not.toContain('does not record its penalty');
    const [c0] = fit.channels;
    const priored = describeIncrementality({ ...stored, priors: { beta: { kind: 'half-normal', scale: 2 }, [c0]: { decayMean: 0.4 } } });
    expect(priored.lines).toContain(`Priors: beta { kind half-normal, scale 2 }; ${c0} { decayMean 0.4 }.`);
    expect(priored.channels[0].text).toContain('its prior: decayMean 0.4');
    expect(describeIncrementality({ ...stored, priors: { description: 'each effect is half-normal around 0' } }).lines).toContain('Priors: each effect is half-normal around 0.');
  });

  it('says which channels the data cannot tell apart, why, and that the budget holds them', () => {
    const world = plantedWorld(11);
    const card = describeIncrementality(JSON.parse(JSON.stringify(storeMmm(fitMmm(world.input, { bootstrap: 5, seed: 3 })))));
    const byChannel = Object.fromEntries(card.channels.map((c) => [c.channel, c]));
    expect(byChannel.search).toMatchObject({ identified: false });
    expect(byChannel.search.text).toMatch(/Not identified: spend moves with social \(r = 1\.000\).*the budget holds it near its current spend\.$/);
    expect(byChannel.print.text).toMatch(/Not identified: spend hardly varied/);
    expect(byChannel.webinar).toMatchObject({ identified: true });
    expect(card.lines.join(' ')).toMatch(/Its ranges come from 5 refits .* A channel the data cannot tell apart gets a wider range on purpose/);
  });

  it('degrades on an older stored fit: what is missing is said to be not recorded; an unavailable fit says why', () => {
    const old = { months: stored.months, transforms: { search: { decay: 0.3 } }, results: [] };
    const card = describeIncrementality(old);
    expect(card.channels[0].text).toContain('about 30% of a month\'s effect carries into the next');
    expect(card.channels[0].text).toContain('how its effect flattens as spend grows is not recorded with this version');
    expect(card.channels[0].text).toContain('Whether the data can tell its effect apart is not recorded with this version.');
    // Stored before the flags existed: assessed again as the budget does, and said so.
    const world = plantedWorld(11);
    const unflagged = JSON.parse(JSON.stringify(storeMmm(fitMmm(world.input, { bootstrap: 0 }))));
    for (const r of unflagged.results) delete r.identifiability;
    const print = describeIncrementality(unflagged).channels.find((c) => c.channel === 'print')!;
    expect(print.identified).toBe(false);
    expect(print.text).toMatch(/Not identified \(assessed again from its spend with today's default thresholds: this version did not record it\): spend hardly varied/);
    expect(describeIncrementality({ channels: ['event'] }).lines).toContain('The months it learned from are not recorded with this version.');
    expect(describeIncrementality({ months: stored.months, channels: ['event'] }).channels[0].text)
      .toBe('event: how long its spend keeps acting is not recorded with this version; how its effect flattens as spend grows is not recorded with this version. '
        + 'Whether the data can tell its effect apart is not recorded with this version.');
    expect(describeIncrementality({ kind: 'unavailable', reason: 'not enough history' })).toEqual({ available: false, lines: ['No incrementality estimate in this version: not enough history.'], channels: [] });
  });
});

describe('the forecast backtest beside its target', () => {
  it('says the 80% and 95% coverage against 80% and 95%, the gate floor, and whether the miss is beyond sampling error', () => {
    const s = coverageSentence({ coverage80: 0.5, coverage95: 0.95, gateMin80: 0.5, points: 100, origins: 34, horizon: 3 });
    expect(s).toBe('Forecast backtest: refitted at each of 34 origins on the months before it and forecasting the next 3 months (100 months scored), '
      + 'the 80% range held 50% of actual months, target 80%; the gate asks at least 50%: below target, the ranges are narrower than the misses; '
      + 'the 95% range held 95%, target 95%: within sampling error of the target.');
    expect(coverageSentence({ coverage80: null, coverage95: null, gateMin80: null, points: null, origins: null, horizon: null, reason: 'history of 20 months is too short' }))
      .toBe('Forecast backtest: none for this version (history of 20 months is too short), so how often its ranges hold the actual month is not known.');
  });
});

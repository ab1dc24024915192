/**
 * The account scores a run reports, by hand: the two models joined by
 * account, ranked and tiered by expected new plus expansion ACV, the drivers
 * of the model that brings the larger expected ACV, and the family level.
 */
import { describe, expect, it } from 'vitest';
import type { ExpansionScore } from '../../../models/accounts/expansion';
import type { AccountFeatures } from '../../../models/accounts/features';
import { accountScores } from '../../../models/accounts/score';
import type { WinScore } from '../../../models/accounts/win-propensity';

const features = (engagement: number) => ({ engagement } as AccountFeatures);
const driver = (group: string, contribution: number, words: string) => ({ group, contribution, words });
const win = (id: string, propensity: number, expectedNewAcv: number, engagement = 0): WinScore =>
  ({ slot: 0, account_id: id, propensity, expectedNewAcv, drivers: [driver('wins', 0.5, `${id} won`)], features: features(engagement) });
const expansion = (id: string, propensity: number, expectedExpansionAcv: number): ExpansionScore =>
  ({ slot: 0, account_id: id, propensity, expectedExpansionAcv, drivers: [driver('usage_trend', -0.3, `${id} usage`)], features: features(0) });

const wins = [win('P', 0.5, 1000, 2), win('S', 0.2, 400, 1.5), win('Q', 0.1, 3000), win('R', 0.05, 100)];
const expansions = [expansion('P', 0.6, 5000), expansion('R', 0.1, 50)];

describe('account scores', () => {
  it('join the models, rank by expected new plus expansion ACV and take the larger model\'s drivers', () => {
    const scores = accountScores(wins, expansions, { tiers: { by: 'share', tier1: 0.25, tier2: 0.25 } });
    expect(scores.map((s) => [s.account_id, s.rank, s.tier])).toEqual([['P', 1, 1], ['Q', 2, 2], ['S', 3, 3], ['R', 4, 3]]);
    const p = scores[0];
    expect(p).toMatchObject({ winPropensity: 0.5, expectedNewAcv: 1000, expansionPropensity: 0.6, expectedExpansionAcv: 5000, engagement: 2, members: ['P'] });
    expect(p.driversText).toBe('− P usage');
    expect(scores[1]).toMatchObject({ expansionPropensity: null, expectedExpansionAcv: 0, driversText: '+ Q won' });
    // R: expansion 50 < new 100, so the win model speaks.
    expect(scores[3].driversText).toBe('+ R won');
  });

  it('roll subsidiaries up to their top parent at the family level', () => {
    const topParent = new Map([['S', 'P'], ['R', 'Q']]);
    const scores = accountScores(wins, expansions, { level: 'family', topParent });
    expect(scores).toHaveLength(2);
    const [first, second] = scores;
    expect(first).toMatchObject({ account_id: 'P', rank: 1, tier: 1, expectedNewAcv: 1400, expectedExpansionAcv: 5000, members: ['P', 'S'], engagement: 3.5 });
    expect(first.winPropensity).toBeCloseTo(1 - 0.5 * 0.8, 12);
    expect(first.expansionPropensity).toBeCloseTo(0.6, 12);
    expect(first.driversText).toBe('− P: P usage');
    expect(second).toMatchObject({ account_id: 'Q', rank: 2, tier: 3, expectedNewAcv: 3100, expectedExpansionAcv: 50, members: ['Q', 'R'] });
    expect(second.expansionPropensity).toBeCloseTo(0.1, 12);
    expect(second.driversText).toBe('+ Q: Q won');
    expect(() => accountScores(wins, expansions, { level: 'family' })).toThrow(RangeError);
  });
});

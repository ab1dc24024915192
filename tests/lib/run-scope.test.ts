/**
 * A pilot's scope (issue 17, part 6): `--scope` parsed by its rules, refused
 * with words that name the problem, and the run id that says a run is a
 * pilot, deterministic and never the id of another scope or of the
 * organisation-wide run.
 */
import { describe, expect, it } from 'vitest';
import { describeRunScope, isOrgWide, parseRunScope, runScopeSuffix } from '../../lib/run-scope';
import { runIdFor } from '../../workflows/run-id';

const SEGMENTS = ['enterprise', 'mid_market', 'smb'];
const SHA = 'ab'.repeat(32);

describe('parseRunScope', () => {
  it('reads region, segment and repeated campaigns, in any order, spaces trimmed', () => {
    expect(parseRunScope('region=EMEA', SEGMENTS)).toEqual({ region: 'EMEA' });
    expect(parseRunScope(' segment=enterprise , region=EMEA ', SEGMENTS)).toEqual({ region: 'EMEA', segment: 'enterprise' });
    expect(parseRunScope('campaign=c-2,region=NA,campaign=c-1,campaign=c-2', SEGMENTS)).toEqual({ region: 'NA', campaigns: ['c-2', 'c-1'] });
  });

  it.each([
    ['', /empty/],
    ['country=DE', /unknown key "country"/],
    ['region', /region needs a value/],
    ['region=', /region needs a value/],
    ['campaign= ', /campaign needs a value/],
    ['segment=startup', /segment "startup" is not one of enterprise, mid_market, smb/],
    ['region=EMEA,region=NA', /region is given twice/],
  ])('refuses %j', (text, words) => {
    expect(() => parseRunScope(text, SEGMENTS)).toThrow(words);
  });
});

describe('a pilot\'s run id', () => {
  it('is the organisation-wide id with the scope after it, in key order', () => {
    expect(runIdFor('2026-10', SHA, 1)).toBe('cycle-2026-10-abababababab-v1');
    expect(runIdFor('2026-10', SHA, 1, {})).toBe('cycle-2026-10-abababababab-v1');
    expect(runIdFor('2026-10', SHA, 2, { segment: 'enterprise', region: 'EMEA' })).toBe('cycle-2026-10-abababababab-v2-pilot-region-emea-segment-enterprise');
    expect(runIdFor('2026-10', SHA, 1, { campaigns: ['c2', 'c1'] })).toBe(runIdFor('2026-10', SHA, 1, { campaigns: ['c1', 'c2'] }));
    expect(runIdFor('2026-10', SHA, 1, { campaigns: ['c1', 'c2'] })).toBe('cycle-2026-10-abababababab-v1-pilot-campaign-c1-campaign-c2');
    expect(runIdFor('2026-10', SHA, 1, { segment: 'mid_market' })).toBe('cycle-2026-10-abababababab-v1-pilot-segment-mid_market');
  });

  it('is one id for one region in any case (matched in any case), and different ids for scopes a plain slug would merge', () => {
    expect(runScopeSuffix({ region: 'emea' })).toBe(runScopeSuffix({ region: 'EMEA' }));
    const a = runScopeSuffix({ campaigns: ['Q1 Launch'] });
    const b = runScopeSuffix({ campaigns: ['q1_launch'] });
    const c = runScopeSuffix({ campaigns: ['Q1/Launch'] });
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a).toMatch(/^-pilot-campaign-q1_launch-[0-9a-f]{8}$/);
    expect(b).toBe('-pilot-campaign-q1_launch');
  });

  it('describes and classifies scopes', () => {
    expect(describeRunScope({ campaigns: ['b', 'a'], segment: 'smb', region: 'APAC' })).toBe('region=APAC,segment=smb,campaign=a,campaign=b');
    expect(isOrgWide(undefined)).toBe(true);
    expect(isOrgWide(null)).toBe(true);
    expect(isOrgWide({ campaigns: [] })).toBe(true);
    expect(isOrgWide({ segment: 'smb' })).toBe(false);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/error';
import { checkConfig, loadConfig } from '../../config/load';
import { parseDuration } from '../../lib/duration';
import { DEFAULT_CONFIG, tokenSha256 } from '../../config/schema';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-config-'));
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The problems loadConfig refuses `file` with (it must refuse it). */
function problemsOf(file: string): readonly string[] {
  try {
    loadConfig(file, {});
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error(`${file} was accepted`);
}

describe('the operator config file', () => {
  it('gives the documented defaults without a file', () => {
    const c = loadConfig(undefined, {});
    expect(c.source).toBeNull();
    expect(c.reviewers).toEqual([]);
    expect(c.approvals).toMatchObject({ required: 1, largeBudgetMove: { share: 0.2, required: 2 }, timeout: '7d', remindBefore: '24h' });
    expect(c.gate).toMatchObject({ forecastMapeMax: 0.5, renewalAucMin: 0.55, minRelativeImprovement: 0, relativeAgainstBaseline: false });
    expect(c.drift).toMatchObject({ psiWarn: 0.1, psiDrift: 0.25, pValue: 0.05, distance: 0.1, shareDrifted: 0.5, rowCountZ: 3 });
    expect(c.schedule).toMatchObject({ dropPattern: 'drops/{month}', dayOfMonth: 1, hour: 2, minute: 0, timeZone: 'UTC' });
    expect(DEFAULT_CONFIG.budget).toEqual({ recentMonths: 3, maxChange: 0.2, uncertaintyPenalty: 0, unidentifiedMaxChange: 0, minConfidence: 0.8 });
  });

  it('reads --config or ACVLOOP_CONFIG, filling what is left out', () => {
    const f = write('ok.json', JSON.stringify({ reviewers: [{ name: 'erin', roles: ['approver'] }, { name: 'hal', roles: ['approver'] }], approvals: { required: 2 } }));
    const c = loadConfig(undefined, { ACVLOOP_CONFIG: f });
    expect(c.source).toBe(f);
    expect(c.approvals).toMatchObject({ required: 2, timeout: '7d', largeBudgetMove: { share: 0.2 } });
    expect(loadConfig(f, { ACVLOOP_CONFIG: '/nowhere.json' }).approvals.required).toBe(2); // the flag wins
  });

  it('loads the configs the other tests write', () => {
    // tests/e2e/cli.test.ts, models-cli.test.ts and schedule.test.ts.
    for (const doc of [
      { reviewers: [{ name: 'erin', roles: ['approver'] }, { name: 'gus', roles: ['viewer'] }, { name: 'hal', roles: ['approver'] }], approvals: { required: 2 } },
      { reviewers: [{ name: 'erin', roles: ['approver'] }, { name: 'gus', roles: ['viewer'] }] },
      { reviewers: [{ name: 'erin', roles: ['approver'] }], approvals: { timeout: '90s', required: 1, largeBudgetMove: { share: 1, required: 1 } },
        schedule: { id: 'test-schedule', dropPattern: '/tmp/drops/{month}', dayOfMonth: 'last-business-day', hour: 18, timeZone: 'America/New_York' } },
      { reviewers: [{ name: 'dee', roles: ['approver', 'viewer'], tokenSha256: tokenSha256('d') }, { name: 'gus', roles: ['viewer'], tokenSha256: tokenSha256('g') }] },
    ]) expect(checkConfig(doc)).toMatchObject({ ok: true });
  });

  it('lowers the unwritten default of two approvers for a large budget move to the approvers listed, never a written count', () => {
    const one = { reviewers: [{ name: 'erin', roles: ['approver'] }, { name: 'gus', roles: ['viewer'] }] };
    const loaded = checkConfig(one);
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));
    expect(loaded.config.approvals.largeBudgetMove).toEqual({ share: 0.2, required: 1 });
    const three = checkConfig({ reviewers: ['a', 'b', 'c'].map((name) => ({ name, roles: ['approver'] })) });
    expect(three.ok && three.config.approvals.largeBudgetMove.required).toBe(2);
    expect(checkConfig({}).ok && DEFAULT_CONFIG.approvals.largeBudgetMove.required).toBe(2);
    expect(checkConfig({ ...one, approvals: { largeBudgetMove: { required: 2 } } })).toMatchObject({ ok: false });
  });

  it('refuses a file it cannot read or parse, saying where the JSON breaks', () => {
    expect(problemsOf(path.join(dir, 'missing.json'))).toEqual(['cannot read the config file: ENOENT: no such file or directory']);
    expect(problemsOf(write('bad.json', '{\n  "reviewers": [\n'))).toEqual(['not JSON: line 3, column 1: expected a value, found the end of the file']);
    expect(problemsOf(write('comma.json', '{\n  "approvals": { "required": 1, }\n}'))).toEqual(['not JSON: line 2, column 33: expected a key in double quotes, found "}"']);
  });

  it('names the key of every mistake in the file, all of them at once', () => {
    const f = write('many.json', JSON.stringify({
      reviewers: [{ name: 'ana', roles: ['admin'] }, { name: 'bo', roles: ['approver'], email: 'bo@x' }],
      approvals: { requird: 2, timeout: 'a week', remindBefore: '0h', largeBudgetMove: { share: '20%' } },
      gate: { forecastMapeMax: -1 },
      schedule: { hour: 24, dayOfMonth: 'first', timeZone: 'Mars/Olympus', dropPattern: 'drops/latest' },
      approval: {},
    }));
    let err: unknown;
    try { loadConfig(f, {}); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as ConfigError).lines.every((l) => l.startsWith(`${f}: `))).toBe(true);
    expect([...(err as ConfigError).problems].sort()).toEqual([
      'approval: unknown key (did you mean "approvals"?)',
      'approvals.largeBudgetMove.share: expected a number, got "20%" (a string)',
      'approvals.remindBefore: "0h" must be longer than 0',
      'approvals.requird: unknown key (did you mean "required"?)',
      'approvals.timeout: expected a duration like 7d, 12h, 30m or 90s, got "a week"',
      'gate.forecastMapeMax: must be above 0, got -1',
      'reviewers[0].roles[0]: "admin" is not one of "approver", "viewer"',
      'reviewers[1].email: unknown key (known keys here: name, roles, tokenSha256)',
      'schedule.dayOfMonth: expected a day from 1 to 28 or "last-business-day", got "first"',
      'schedule.dropPattern: "drops/latest" has no {month}, so every month would read the same drop',
      'schedule.hour: must be at most 23, got 24',
      'schedule.timeZone: "Mars/Olympus" is not an IANA time zone (e.g. UTC, Europe/Berlin)',
    ]);
  });

  it.each([
    ['an unknown key at any depth', { approvals: { largeBudgetMove: { requierd: 3 } } }, 'approvals.largeBudgetMove.requierd: unknown key (did you mean "required"?)'],
    ['an unknown section', { scheduel: {} }, 'scheduel: unknown key (did you mean "schedule"?)'],
    ['a key with no near match', { colour: 'red' }, 'colour: unknown key (known keys here: reviewers, approvals, gate, drift, kpi, budget, serve, accounts, finance, scale, schedule)'],
    ['a wrong type', { approvals: { required: '2' } }, 'approvals.required: expected a number, got "2" (a string)'],
    ['a fraction where a count goes', { approvals: { required: 1.5 } }, 'approvals.required: expected a whole number, got 1.5'],
    ['a list where an object goes', { gate: [] }, 'gate: expected an object ({ … }), got [] (a list)'],
    ['a role typo', { reviewers: [{ name: 'a', roles: ['aprover'] }] }, 'reviewers[0].roles[0]: "aprover" is not one of "approver", "viewer" (did you mean "approver"?)'],
    ['a reviewer without roles', { reviewers: [{ name: 'a', roles: [] }] }, 'reviewers[0].roles: needs at least 1 item, got []'],
    ['a reviewer without a name', { reviewers: [{ roles: ['approver'] }] }, 'reviewers[0].name: missing (expected a string in double quotes)'],
    ['a token that is not a sha256', { reviewers: [{ name: 'a', roles: ['approver'], tokenSha256: 'secret' }] },
      'reviewers[0].tokenSha256: expected the sha256 of a token, 64 lower-case hex digits, got "secret"'],
    ['a webhook that is not a URL', { approvals: { webhook: 'hooks.example.com' } }, 'approvals.webhook: expected a URL (https://…), got "hooks.example.com"'],
    ['a file that is not an object', [], '(top level): expected an object ({ … }), got [] (a list)'],
    ['a reviewer listed twice', { reviewers: [{ name: 'a', roles: ['approver'] }, { name: 'a', roles: ['viewer'] }] }, 'reviewers[1].name: "a" is listed twice (also reviewers[0])'],
    ['one token for two reviewers', { reviewers: [{ name: 'a', roles: ['approver'], tokenSha256: tokenSha256('t') }, { name: 'b', roles: ['approver'], tokenSha256: tokenSha256('t') }] },
      "reviewers[1].tokenSha256: the same as reviewers[0]'s, so one token would sign in as two reviewers"],
    ['more approvals required than approvers', { reviewers: [{ name: 'a', roles: ['approver'] }, { name: 'b', roles: ['viewer'] }], approvals: { required: 2 } },
      'approvals.required: 2 approvers needed, but only 1 reviewer has the approver role (a): no run could be approved'],
    ['a large budget move beyond the approvers', { reviewers: [{ name: 'a', roles: ['approver'] }, { name: 'b', roles: ['approver'] }], approvals: { largeBudgetMove: { required: 3 } } },
      'approvals.largeBudgetMove.required: 3 approvers needed, but only 2 reviewers have the approver role (a, b): no run could be approved'],
    ['reviewers and no approver', { reviewers: [{ name: 'a', roles: ['viewer'] }] }, 'reviewers: nobody has the approver role, so no run that needs sign-off could be approved'],
  ])('refuses %s', (_what, doc, problem) => {
    expect(checkConfig(doc)).toEqual({ ok: false, problems: [problem] });
  });

  it('holds the approval counts against approvers only when the file lists reviewers', () => {
    expect(checkConfig({ approvals: { required: 3, largeBudgetMove: { required: 4 } } })).toMatchObject({ ok: true });
    // The default of two for a large move is not held against a single approver: only a count the file writes is.
    expect(checkConfig({ reviewers: [{ name: 'a', roles: ['approver'] }] })).toMatchObject({ ok: true });
  });

  it('reads config durations as milliseconds (lib/duration, the one grammar)', () => {
    expect(parseDuration('7d', 'duration')).toBe(7 * 86_400_000);
    expect(parseDuration('90s', 'duration')).toBe(90_000);
    expect(parseDuration('1.5h', 'duration')).toBe(5_400_000);
  });
});

describe('kpi.bands (issue 12: the README said configurable, the file refused the key)', () => {
  it("defaults to the seed's bands, and takes a company's own", () => {
    expect(DEFAULT_CONFIG.kpi.bands).toEqual({ strong: 1_000_000, moderate: 500_000 });
    const f = write('kpi.json', JSON.stringify({ kpi: { bands: { strong: 150_000, moderate: 60_000 } } }));
    expect(loadConfig(f, {}).kpi.bands).toEqual({ strong: 150_000, moderate: 60_000 });
  });

  it('refuses a moderate bar above the strong one, and a misspelt key, naming the key', () => {
    expect(problemsOf(write('kpi-order.json', JSON.stringify({ kpi: { bands: { strong: 100_000, moderate: 200_000 } } }))))
      .toEqual(['kpi.bands.moderate: 200000 must not exceed strong (100000)']);
    expect(problemsOf(write('kpi-typo.json', JSON.stringify({ kpi: { bands: { strnog: 1 } } }))))
      .toEqual([expect.stringMatching(/^kpi\.bands.*strnog/)]);
  });

  it('scores each account in tiers of 10% and 30% by default, and takes a family level and thresholds in USD', () => {
    expect(DEFAULT_CONFIG.accounts).toEqual({ level: 'account', tiers: { by: 'share', tier1: 0.1, tier2: 0.3 } });
    const f = write('accounts.json', JSON.stringify({ accounts: { level: 'family', tiers: { by: 'acv', tier1MinUsd: 50_000, tier2MinUsd: 10_000 } } }));
    expect(loadConfig(f, {}).accounts).toEqual({ level: 'family', tiers: { by: 'acv', tier1MinUsd: 50_000, tier2MinUsd: 10_000 } });
  });

  it('refuses tier shares over 1, thresholds out of order and an unknown level, naming the key', () => {
    expect(problemsOf(write('tiers-share.json', JSON.stringify({ accounts: { tiers: { by: 'share', tier1: 0.6, tier2: 0.5 } } }))))
      .toEqual([expect.stringMatching(/^accounts\.tiers.*at most 1/)]);
    expect(problemsOf(write('tiers-acv.json', JSON.stringify({ accounts: { tiers: { by: 'acv', tier1MinUsd: 1, tier2MinUsd: 5 } } }))))
      .toEqual([expect.stringMatching(/^accounts\.tiers.*tier1MinUsd/)]);
    expect(problemsOf(write('level.json', JSON.stringify({ accounts: { level: 'division' } }))))
      .toEqual([expect.stringMatching(/^accounts\.level/)]);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, durationMs, loadConfig } from '../../governance/config';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-config-'));
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the operator config file', () => {
  it('gives the documented defaults without a file', () => {
    const c = loadConfig(undefined, {});
    expect(c.source).toBeNull();
    expect(c.reviewers).toEqual([]);
    expect(c.approvals).toMatchObject({ required: 1, largeBudgetMove: { share: 0.2, required: 2 }, timeout: '7d', remindBefore: '24h' });
    expect(c.gate).toMatchObject({ forecastMapeMax: 0.5, renewalAucMin: 0.55, minRelativeImprovement: 0, relativeAgainstBaseline: false });
    expect(c.drift).toMatchObject({ psiWarn: 0.1, psiDrift: 0.25, pValue: 0.05, distance: 0.1, shareDrifted: 0.5, rowCountZ: 3 });
    expect(c.schedule).toMatchObject({ dropPattern: 'drops/{month}', dayOfMonth: 1, hour: 2, minute: 0, timeZone: 'UTC' });
    expect(DEFAULT_CONFIG.budget).toEqual({ recentMonths: 3, maxChange: 0.2, uncertaintyPenalty: 0 });
  });

  it('reads --config or ACVLOOP_CONFIG, filling what is left out', () => {
    const f = write('ok.json', JSON.stringify({ reviewers: [{ name: 'erin', roles: ['approver'] }], approvals: { required: 2 } }));
    const c = loadConfig(undefined, { ACVLOOP_CONFIG: f });
    expect(c.source).toBe(f);
    expect(c.approvals).toMatchObject({ required: 2, timeout: '7d', largeBudgetMove: { share: 0.2 } });
    expect(loadConfig(f, { ACVLOOP_CONFIG: '/nowhere.json' }).approvals.required).toBe(2); // the flag wins
  });

  it('names the file and the field of every error', () => {
    expect(() => loadConfig(path.join(dir, 'missing.json'), {})).toThrow(/cannot read the config file .*missing\.json: ENOENT/);
    expect(() => loadConfig(write('bad.json', '{"reviewers": ['), {})).toThrow(/bad\.json is not JSON/);
    expect(() => loadConfig(write('role.json', JSON.stringify({ reviewers: [{ name: 'x', roles: ['admin'] }] })), {}))
      .toThrow(/role\.json: reviewers\.0\.roles\.0: /);
    expect(() => loadConfig(write('dur.json', JSON.stringify({ approvals: { timeout: 'a week' } })), {})).toThrow(/dur\.json: approvals\.timeout: a duration like 7d/);
    expect(() => loadConfig(write('extra.json', JSON.stringify({ approval: {} })), {})).toThrow(/extra\.json: \(top level\): .*approval/);
    expect(() => loadConfig(write('twice.json', JSON.stringify({ reviewers: [{ name: 'a', roles: ['viewer'] }, { name: 'a', roles: ['approver'] }] })), {}))
      .toThrow(/twice\.json: reviewers: a is listed twice/);
  });

  it('reads durations as milliseconds', () => {
    expect(durationMs('7d')).toBe(7 * 86_400_000);
    expect(durationMs('90s')).toBe(90_000);
    expect(durationMs('1.5h')).toBe(5_400_000);
  });
});

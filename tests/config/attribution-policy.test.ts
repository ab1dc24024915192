import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_FILE, defaultAttributionPolicy, loadAttributionPolicy } from '../../config/attribution-policy';
import { parseAttributionPolicy } from '../../models/attribution-policy';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('policy documents', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'acvloop-policy-'));
  dirs.push(tmp);
  const write = (name: string, body: unknown) => {
    const file = path.join(tmp, name);
    writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
    return file;
  };

  it('the default file holds exactly the schema defaults, and its hash is sha256 of the canonical JSON (written out by hand)', () => {
    const file = defaultAttributionPolicy();
    expect(file.policy).toMatchObject({ version: '1.1.0', lookbackDays: 180, halfLifeDays: 30, markovOrder: 1, position: { first: 0.4, middle: 0.2, last: 0.4 }, reportedModel: 'linear' });
    const canonical = '{"dealSizeBands":[],"engagement":{"halfLifeDays":45,"handoff":{"acceptWithinDays":30},"lookbackDays":365,"mqlThreshold":3,' +
      '"weights":{"byChannel":{},"byKind":{"offline":2,"online":1}}},"halfLifeDays":30,"lookbackDays":180,"markovOrder":1,"position":{"first":0.4,"last":0.4,"middle":0.2},' +
      '"positionByRegion":{},"reportedModel":"linear","touchpoints":{"excludeChannels":[],"includeChannels":null,"kinds":["online","offline"]},"version":"1.1.0"}';
    const expected = createHash('sha256').update(canonical).digest('hex');
    expect(file.sha256).toBe(expected);
    expect(parseAttributionPolicy({ version: '1.1.0' }, 'minimal').sha256).toBe(expected);
    expect(file.policyVersion).toBe(`1.1.0@${expected.slice(0, 12)}`);
  });

  it('the hash ignores key order and the description, and changes with any rule or the version', () => {
    const doc = JSON.parse(readFileSync(DEFAULT_POLICY_FILE, 'utf8'));
    const reordered = Object.fromEntries(Object.entries(doc).reverse());
    const base = parseAttributionPolicy(doc, 'a').sha256;
    expect(parseAttributionPolicy({ ...reordered, description: 'other words' }, 'b').sha256).toBe(base);
    expect(parseAttributionPolicy({ ...doc, lookbackDays: 181 }, 'c').sha256).not.toBe(base);
    expect(parseAttributionPolicy({ ...doc, version: '1.0.1' }, 'd').sha256).not.toBe(base);
  });

  it('errors name the file and the field', () => {
    const cases: [unknown, RegExp][] = [
      [{ lookbackDays: 90 }, /bad\.json: version: /],
      [{ version: 'one' }, /bad\.json: version: a version like 1\.0\.0/],
      [{ version: '1.0.0', position: { first: 0.5, middle: 0.2, last: 0.4 } }, /bad\.json: position: first \+ middle \+ last must be 1, got 1\.1/],
      [{ version: '1.0.0', positionByRegion: { EMEA: { first: 0, middle: 1, last: 0 } } }, /bad\.json: positionByRegion\.EMEA: first \+ last must be > 0/],
      [{ version: '1.0.0', lookback: 90 }, /bad\.json: \(top level\): Unrecognized key: "lookback"/],
      [{ version: '1.0.0', halfLifeDays: 0 }, /bad\.json: halfLifeDays: /],
      [{ version: '1.0.0', reportedModel: 'u-shaped' }, /bad\.json: reportedModel: /],
      [{ version: '1.0.0', touchpoints: { kinds: ['email'] } }, /bad\.json: touchpoints\.kinds\.0: /],
      [{ version: '1.0.0', dealSizeBands: [{ name: 'l', minAcvUsd: 500 }, { name: 's', minAcvUsd: 0 }] }, /bad\.json: dealSizeBands\.1\.minAcvUsd: bands must be listed by increasing minAcvUsd/],
      [{ version: '1.0.0', dealSizeBands: [{ name: 'l', minAcvUsd: 500, channelWeights: { event: 0 } }] }, /bad\.json: dealSizeBands\.0\.channelWeights\.event: /],
    ];
    for (const [doc, message] of cases) expect(() => loadAttributionPolicy(write('bad.json', doc))).toThrow(message);
    expect(() => loadAttributionPolicy(write('broken.json', '{"version": '))).toThrow(/broken\.json is not JSON/);
    expect(() => loadAttributionPolicy(path.join(tmp, 'missing.json'))).toThrow(/cannot read the attribution policy .*missing\.json: ENOENT/);
  });
});

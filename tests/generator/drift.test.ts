/**
 * `generateDrop({ drift: true })` (`acvloop generate --drift`) against the
 * same seed without it: the drift is what truth.json says, where it says,
 * and nothing else moves before it. Read with the tests' own CSV reader.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDrop } from '../../generator/index';
import { acvloop } from '../helpers/cli';
import { readCsv, type Row } from './read-drop';
import { removeTempDirs, tempDir } from './world';

const world = { seed: 11, accounts: 1500, months: 24, end: '2026-10' };
let normal: string;
let drifted: string;
let truth: any;
const FROM = '2026-08';

const byId = (rows: Row[], key: string) => new Map(rows.map((r) => [r[key], r]));
const monthOfTs = (v: string) => (v.length > 10 ? new Date(v).toISOString().slice(0, 7) : v.slice(0, 7));

beforeAll(async () => {
  normal = tempDir('normal');
  drifted = tempDir('drifted');
  await generateDrop({ outDir: normal, ...world });
  await generateDrop({ outDir: drifted, ...world, drift: true });
  truth = JSON.parse(readFileSync(join(drifted, 'truth.json'), 'utf8'));
});
afterAll(removeTempDirs);

describe('generate --drift', () => {
  it('records the drift in truth.json: from the third month before the end, six features', () => {
    expect(truth.drift.from).toBe(FROM);
    expect(truth.drift.features.map((f: any) => `${f.source}.${f.feature}`).sort()).toEqual([
      'accounts.segment', 'contracts.acv_usd', 'opportunities.amount_usd', 'opportunities.lead_source', 'spend.channel_share', 'touchpoints.channel',
    ]);
    expect(JSON.parse(readFileSync(join(normal, 'truth.json'), 'utf8')).drift).toBeUndefined();
  });

  it('a drop without --drift is byte-identical to one with drift: false', async () => {
    const again = tempDir('again');
    await generateDrop({ outDir: again, ...world, drift: false });
    const hash = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));
    expect(hash(again)).toEqual(hash(normal));
  });

  it('deals closing from the drift month (and open ones) are 1.6x; every other amount is unchanged', () => {
    const before = byId(readCsv(normal, 'opportunities.csv'), 'opportunity_id');
    const after = readCsv(drifted, 'opportunities.csv');
    expect(after.length).toBe(before.size);
    let scaled = 0;
    for (const o of after) {
      const b = before.get(o.opportunity_id)!;
      expect([o.account_id, o.created_at, o.closed_at, o.stage]).toEqual([b.account_id, b.created_at, b.closed_at, b.stage]);
      if (o.stage === 'open' || o.closed_at >= FROM) {
        // Amounts are rounded to cents (whole yen): the ratio is 1.6 within that rounding.
        expect(Number(o.amount) / Number(b.amount), o.opportunity_id).toBeCloseTo(1.6, 2);
        scaled++;
      } else expect(o.amount, o.opportunity_id).toBe(b.amount);
    }
    expect(scaled).toBeGreaterThan(200);
  });

  it('new-business contracts from those deals carry the 1.6x ACV', () => {
    const before = byId(readCsv(normal, 'contracts.csv'), 'contract_id');
    const opps = byId(readCsv(drifted, 'opportunities.csv'), 'opportunity_id');
    let checked = 0;
    for (const c of readCsv(drifted, 'contracts.csv')) {
      const b = before.get(c.contract_id);
      if (!b || !c.opportunity_id || c.start_date < FROM) continue;
      expect(opps.get(c.opportunity_id)!.closed_at >= FROM).toBe(true);
      expect(Number(c.total_value) / Number(b.total_value), c.contract_id).toBeCloseTo(1.6, 2);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('35% of marketing-sourced leads created from the drift month come from a new source, review_site; none before', () => {
    const opps = readCsv(drifted, 'opportunities.csv');
    expect(opps.filter((o) => o.created_at < FROM && o.lead_source === 'review_site')).toHaveLength(0);
    expect(readCsv(normal, 'opportunities.csv').some((o) => o.lead_source === 'review_site')).toBe(false);
    const recent = opps.filter((o) => o.created_at >= FROM && o.lead_source !== '');
    const share = recent.filter((o) => o.lead_source === 'review_site').length / recent.length;
    // Binomial: 35% of the marketing leads; within 4 standard errors.
    const se = Math.sqrt((0.35 * 0.65) / recent.length);
    expect(Math.abs(share - 0.35)).toBeLessThan(4 * se);
  });

  it('paid search spend triples from the drift month; every other spend row is unchanged', () => {
    const key = (r: Row) => `${r.month}/${r.channel}`;
    const before = byId(readCsv(normal, 'spend.csv').map((r) => ({ ...r, key: key(r) })), 'key');
    for (const r of readCsv(drifted, 'spend.csv')) {
      const b = before.get(key(r))!;
      if (r.channel === 'paid_search' && r.month >= FROM) expect(Number(r.amount) / Number(b.amount)).toBeCloseTo(3, 3);
      else expect(r.amount, key(r)).toBe(b.amount);
    }
  });

  it("touchpoints shift towards paid search in the drift months only (harvest touches follow its spend)", () => {
    const share = (dir: string, from: string, to: string) => {
      const ts = readCsv(dir, 'touchpoints.csv').filter((t) => { const m = monthOfTs(t.occurred_at); return m >= from && m <= to; });
      return ts.filter((t) => t.channel === 'paid_search').length / ts.length;
    };
    const drift = share(drifted, FROM, '2026-10') - share(normal, FROM, '2026-10');
    expect(drift).toBeGreaterThan(0.1);
    // Earlier touches are the same draws, except journeys of later deals reaching back before the drift month.
    expect(Math.abs(share(drifted, '2025-11', '2026-04') - share(normal, '2025-11', '2026-04'))).toBeLessThan(0.01);
  });

  it('80% of small businesses among accounts created from the drift month are booked mid-market; no other account changes segment', () => {
    const before = byId(readCsv(normal, 'accounts.csv'), 'account_id');
    let eligible = 0;
    let moved = 0;
    for (const a of readCsv(drifted, 'accounts.csv')) {
      const b = before.get(a.account_id)!;
      if (a.segment === b.segment) {
        if (a.created_at >= FROM && a.segment === 'smb') eligible++;
        continue;
      }
      expect([b.segment, a.segment]).toEqual(['smb', 'mid_market']);
      expect(a.created_at >= FROM).toBe(true);
      eligible++;
      moved++;
    }
    expect(eligible).toBeGreaterThan(5);
    expect(moved / eligible).toBeGreaterThan(0.5);
  });

  it('acvloop generate --drift writes the same drifted drop and says where the drift is recorded', async () => {
    const out = tempDir('cli');
    const r = await acvloop(['generate', '--out', out, '--seed', String(world.seed), '--accounts', String(world.accounts),
      '--months', String(world.months), '--end', world.end, '--drift']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/planted drift over the last 3 months: see "drift" in .*truth\.json/);
    for (const f of ['opportunities.csv', 'spend.csv', 'accounts.csv', 'truth.json']) {
      expect(readFileSync(join(out, f)).equals(readFileSync(join(drifted, f))), f).toBe(true);
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateDrop } from '../../../contracts';
import { generateDrop } from '../../../generator/index';
import type { AttributionTouch } from '../../../models/attribution';
import { attributeAcv, type AcvContract, type AcvOpportunity } from '../../../models/attribution-acv';
import { PATH_MODELS } from '../../../models/attribution-paths';
import { topParents } from '../../../models/graph';

const TOL = 1e-9; // sums of a few exact binary fractions and 2^-x terms

const touch = (account_id: string, channel: string, campaign_id: string | null, occurred_at: string, kind: 'online' | 'offline' = 'online'): AttributionTouch => ({
  account_id,
  channel,
  campaign_id,
  occurred_at,
  kind,
});

/**
 * Family P (parent) with subsidiary S; account X alone.
 * O1 (P, created 2024-03-01, won, first contract C1 ACV 1000) sees, via the family:
 *   S paid_search 2024-01-01 (60 d), P event 2024-01-31 offline (30 d), S email 2024-02-20 (10 d).
 *   Excluded: P display on 2024-03-01 00:00 (not strictly before creation), P display 2024-03-05 (after),
 *   P paid_social 2023-08-01 (213 d > 180-day lookback).
 * O2 (X, won, no contract, amount 500): X's only touch is older than the lookback -> '(none)'.
 * O3 (S, lost, created 2024-02-25): a null journey of paid_search, event, email.
 * Renewal C2 of C1 (start 2025-03-01, ACV 1300 -> uplift 300): touches after C1's start 2024-03-10 and
 *   before 2025-03-01 within 180 d: P webinar 2024-12-01 (90 d) and S email 2025-02-19 (10 d); not P event
 *   2024-03-05 (before C1 started, and outside the lookback anyway) nor X touches (other family).
 * Renewal C3 of C0 (X): ACV drops 800 -> 700, a null expansion journey.
 */
const rollUp = topParents([
  { account_id: 'P', parent_account_id: null },
  { account_id: 'S', parent_account_id: 'P' },
  { account_id: 'X', parent_account_id: null },
]);
const touches = [
  touch('S', 'paid_search', 'k1', '2024-01-01T00:00:00.000Z'),
  touch('P', 'event', 'k2', '2024-01-31T00:00:00.000Z', 'offline'),
  touch('S', 'email', null, '2024-02-20T00:00:00.000Z'),
  touch('P', 'display', 'k3', '2024-03-01T00:00:00.000Z'),
  touch('P', 'display', 'k3', '2024-03-05T00:00:00.000Z'),
  touch('P', 'paid_social', 'k4', '2023-08-01T00:00:00.000Z'),
  touch('X', 'organic', null, '2023-01-01T00:00:00.000Z'),
  touch('P', 'webinar', 'k5', '2024-12-01T00:00:00.000Z'),
  touch('S', 'email', 'k6', '2025-02-19T00:00:00.000Z'),
];
const opportunities: AcvOpportunity[] = [
  { opportunity_id: 'O1', account_id: 'P', created_at: '2024-03-01', stage: 'won', amount_usd: 999 },
  { opportunity_id: 'O2', account_id: 'X', created_at: '2024-03-01', stage: 'won', amount_usd: 500 },
  { opportunity_id: 'O3', account_id: 'S', created_at: '2024-02-25', stage: 'lost', amount_usd: 700 },
  { opportunity_id: 'O4', account_id: 'P', created_at: '2024-02-27', stage: 'open', amount_usd: 100 },
];
const contracts: AcvContract[] = [
  { contract_id: 'C1', account_id: 'P', opportunity_id: 'O1', previous_contract_id: null, start_date: '2024-03-10', acv_usd: 1000 },
  { contract_id: 'C1b', account_id: 'P', opportunity_id: 'O1', previous_contract_id: null, start_date: '2024-06-01', acv_usd: 5 },
  { contract_id: 'C2', account_id: 'P', opportunity_id: null, previous_contract_id: 'C1', start_date: '2025-03-01', acv_usd: 1300 },
  { contract_id: 'C0', account_id: 'X', opportunity_id: null, previous_contract_id: null, start_date: '2023-06-01', acv_usd: 800 },
  { contract_id: 'C3', account_id: 'X', opportunity_id: null, previous_contract_id: 'C0', start_date: '2024-06-01', acv_usd: 700 },
];
const segmentOf = new Map([
  ['P', 'enterprise'],
  ['S', 'mid_market'],
  ['X', 'smb'],
]);

describe('attributeAcv on a hand-built world', () => {
  const r = attributeAcv({ touches, opportunities, contracts, topParent: rollUp, segmentOf });

  it('new business: family touches strictly before creation within 180 days; first contract ACV', () => {
    expect(r.new.conversions).toBe(2);
    expect(r.new.acv).toBe(1500);
    expect(r.new.nullJourneys).toBe(1);
    expect(r.new.untouched).toEqual({ conversions: 1, acv: 500 });
    const d = [2 ** -2, 2 ** -1, 2 ** (-1 / 3)]; // ages 60, 30, 10 days, half-life 30
    const ds = d[0] + d[1] + d[2];
    const want: Record<string, Record<string, number>> = {
      first: { paid_search: 1000, '(none)': 500 },
      last: { email: 1000, '(none)': 500 },
      linear: { paid_search: 1000 / 3, event: 1000 / 3, email: 1000 / 3, '(none)': 500 },
      position: { paid_search: 400, event: 200, email: 400, '(none)': 500 },
      'time-decay': { paid_search: (1000 * d[0]) / ds, event: (1000 * d[1]) / ds, email: (1000 * d[2]) / ds, '(none)': 500 },
    };
    for (const [model, byCh] of Object.entries(want)) {
      const got = r.new.models[model as 'first']!.byChannel;
      const credited = Object.entries(got).filter(([, c]) => c.acv !== 0).map(([ch]) => ch);
      expect(credited.sort()).toEqual(Object.keys(byCh).sort());
      for (const [ch, acv] of Object.entries(byCh)) expect(Math.abs(got[ch].acv - acv)).toBeLessThan(TOL);
    }
  });

  it('Markov sees the lost opportunity as a null path; Shapley and simplified split the won path evenly', () => {
    // Touched paths: paid_search > event > email converts once (1000) and is lost once: each channel
    // is on every converting path, so every removal effect is 1 and credit is 1/3 each.
    for (const m of ['markov', 'shapley', 'shapley_simplified'] as const) {
      const got = r.new.models[m]!.byChannel;
      for (const ch of ['paid_search', 'event', 'email']) {
        expect(Math.abs(got[ch].conversions - 1 / 3)).toBeLessThan(TOL);
        expect(Math.abs(got[ch].acv - 1000 / 3)).toBeLessThan(TOL);
      }
      expect(got['(none)']).toEqual({ conversions: 1, acv: 500 });
    }
    expect(r.new.removalEffects).toEqual({ paid_search: 1, event: 1, email: 1 });
    expect(r.removalEffects.new).toBe(r.new.removalEffects);
  });

  it('expansion: uplift credited only to touches after the previous contract start; a downsell is a null journey', () => {
    expect(r.expansion.conversions).toBe(1);
    expect(r.expansion.acv).toBe(300);
    expect(r.expansion.nullJourneys).toBe(1);
    const lin = r.expansion.models.linear!;
    expect(lin.byChannel).toEqual({ webinar: { conversions: 0.5, acv: 150 }, email: { conversions: 0.5, acv: 150 } });
    expect(lin.byCampaign).toEqual({ k5: { conversions: 0.5, acv: 150 }, k6: { conversions: 0.5, acv: 150 } });
    expect(lin.bySegment).toEqual({ enterprise: { webinar: { conversions: 0.5, acv: 150 }, email: { conversions: 0.5, acv: 150 } } });
  });

  it('campaigns (null -> "(no campaign)") and segments (the opportunity account\'s) under position', () => {
    const pos = r.new.models.position!;
    expect(pos.byCampaign).toEqual({
      '(none)': { conversions: 1, acv: 500 },
      k1: { conversions: 0.4, acv: 400 },
      k2: { conversions: 0.2, acv: 200 },
      '(no campaign)': { conversions: 0.4, acv: 400 },
    });
    expect(pos.bySegment.smb).toEqual({ '(none)': { conversions: 1, acv: 500 } });
    expect(pos.bySegment.enterprise.event).toEqual({ conversions: 0.2, acv: 200 });
  });

  it('Markov campaign credit splits each channel by its campaign mix', () => {
    const mk = r.new.models.markov!.byCampaign;
    // email's touches in the new journeys (won O1 and lost O3) have no campaign; paid_search is k1, event k2.
    expect(Math.abs(mk['(no campaign)'].acv - 1000 / 3)).toBeLessThan(TOL);
    expect(Math.abs(mk.k1.acv - 1000 / 3)).toBeLessThan(TOL);
  });

  it('the lookback boundary is inclusive: 60 days counts at lookbackDays 60, not at 59', () => {
    const at60 = attributeAcv({ touches, opportunities, contracts, topParent: rollUp }, { lookbackDays: 60, models: ['first'] });
    expect(at60.new.models.first!.byChannel.paid_search.acv).toBe(1000);
    const at59 = attributeAcv({ touches, opportunities, contracts, topParent: rollUp }, { lookbackDays: 59, models: ['first'] });
    expect(at59.new.models.first!.byChannel.paid_search).toBeUndefined();
    expect(at59.new.models.first!.byChannel.event.acv).toBe(1000);
  });

  it('offline touches count like online ones', () => {
    const offline = attributeAcv({ touches: touches.map((t) => ({ ...t, kind: 'offline' as const })), opportunities, contracts, topParent: rollUp }, { models: ['linear'] });
    const base = attributeAcv({ touches, opportunities, contracts, topParent: rollUp }, { models: ['linear'] });
    expect(offline.new.models.linear).toEqual(base.new.models.linear);
  });

  it('a touch at the renewal start or before the previous contract start earns no expansion credit', () => {
    const extra = [...touches, touch('P', 'display', null, '2025-03-01T00:00:00.000Z'), touch('P', 'content', null, '2024-03-09T00:00:00.000Z')];
    const x = attributeAcv({ touches: extra, opportunities, contracts, topParent: rollUp }, { lookbackDays: 400, models: ['linear'] });
    expect(Object.keys(x.expansion.models.linear!.byChannel).sort()).toEqual(['email', 'webinar']);
  });
});

describe('attributeAcv on a generated world', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('every model reconciles to won ACV, expansion uplift and deal counts, by channel, campaign and segment (relative 1e-9)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'acvloop-attr-'));
    dirs.push(dir);
    await generateDrop({ outDir: dir, seed: 7, accounts: 2000 });
    const v = await validateDrop(dir);
    const rows = v.rows;
    const topParent = topParents(rows.accounts);
    const segmentOf = new Map(rows.accounts.map((a) => [a.account_id, a.segment as string]));
    const started = performance.now();
    const r = attributeAcv({ touches: rows.touchpoints, opportunities: rows.opportunities, contracts: rows.contracts, topParent, segmentOf });
    const seconds = (performance.now() - started) / 1000;

    // Independent totals straight from the rows.
    const first = new Map<string, { start: string; acv: number }>();
    for (const c of rows.contracts) {
      const seen = c.opportunity_id ? first.get(c.opportunity_id) : undefined;
      if (c.opportunity_id && (!seen || c.start_date < seen.start)) first.set(c.opportunity_id, { start: c.start_date, acv: c.acv_usd });
    }
    const won = rows.opportunities.filter((o) => o.stage === 'won');
    const wonAcv = won.reduce((s, o) => s + (first.get(o.opportunity_id)?.acv ?? o.amount_usd), 0);
    const byId = new Map(rows.contracts.map((c) => [c.contract_id, c]));
    const uplifts = rows.contracts
      .filter((c) => c.previous_contract_id && byId.has(c.previous_contract_id))
      .map((c) => c.acv_usd - byId.get(c.previous_contract_id!)!.acv_usd)
      .filter((u) => u > 0);
    const upliftAcv = uplifts.reduce((s, u) => s + u, 0);
    expect(won.length).toBeGreaterThan(100);
    expect(uplifts.length).toBeGreaterThan(10);
    expect(r.new.conversions).toBe(won.length);
    expect(Math.abs(r.new.acv - wonAcv) / wonAcv).toBeLessThan(1e-9);
    expect(r.expansion.conversions).toBe(uplifts.length);
    expect(Math.abs(r.expansion.acv - upliftAcv) / upliftAcv).toBeLessThan(1e-9);

    for (const [stream, count, acv] of [[r.new, won.length, wonAcv], [r.expansion, uplifts.length, upliftAcv]] as const) {
      for (const m of PATH_MODELS) {
        const mc = stream.models[m]!;
        const sum = (cs: { conversions: number; acv: number }[]) => cs.reduce((a, c) => ({ conversions: a.conversions + c.conversions, acv: a.acv + c.acv }), { conversions: 0, acv: 0 });
        for (const total of [sum(Object.values(mc.byChannel)), sum(Object.values(mc.byCampaign)), sum(Object.values(mc.bySegment).flatMap((s) => Object.values(s)))]) {
          expect(Math.abs(total.conversions - count) / count).toBeLessThan(1e-9);
          expect(Math.abs(total.acv - acv) / acv).toBeLessThan(1e-9);
        }
      }
    }
    expect(seconds).toBeLessThan(10); // 2000 accounts: well under a second here
  });
});

describe('attributeAcv at bench scale', () => {
  it('1M touches, 300k opportunities and 60k renewals: all models reconcile, in seconds', async () => {
    const { createRng } = await import('../../../models/random');
    const rng = createRng(99);
    const channels = ['paid_search', 'paid_social', 'display', 'email', 'webinar', 'event', 'content', 'organic', 'partner', 'sdr_outbound'];
    const nAccounts = 50_000;
    const accounts = Array.from({ length: nAccounts }, (_, i) => ({
      account_id: `A${i}`,
      parent_account_id: i >= 10 && rng.uniform() < 0.3 ? `A${rng.int(0, i - 1)}` : null,
    }));
    const t0 = Date.parse('2022-01-01T00:00:00Z');
    const day = 86_400_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const bigTouches: AttributionTouch[] = Array.from({ length: 1_000_000 }, () =>
      touch(`A${rng.int(0, nAccounts - 1)}`, channels[rng.int(0, 9)], rng.uniform() < 0.2 ? null : `K${rng.int(0, 49)}`, iso(t0 + Math.floor(rng.uniform() * 730 * day))),
    );
    const opps: AcvOpportunity[] = Array.from({ length: 300_000 }, (_, i) => ({
      opportunity_id: `O${i}`,
      account_id: `A${rng.int(0, nAccounts - 1)}`,
      created_at: iso(t0 + rng.int(0, 729) * day).slice(0, 10),
      stage: rng.uniform() < 0.3 ? 'won' : 'lost',
      amount_usd: Math.round(rng.uniform() * 100_000),
    }));
    const cons: AcvContract[] = [];
    for (let i = 0; i < 60_000; i++) {
      const a = `A${rng.int(0, nAccounts - 1)}`;
      const start = t0 + rng.int(0, 300) * day;
      cons.push({ contract_id: `C${i}`, account_id: a, opportunity_id: null, previous_contract_id: null, start_date: iso(start).slice(0, 10), acv_usd: rng.int(1000, 9000) });
      cons.push({ contract_id: `R${i}`, account_id: a, opportunity_id: null, previous_contract_id: `C${i}`, start_date: iso(start + 365 * day).slice(0, 10), acv_usd: rng.int(1000, 9000) });
    }
    const wonAcv = opps.filter((o) => o.stage === 'won').reduce((s, o) => s + o.amount_usd, 0);
    const started = performance.now();
    const r = attributeAcv({ touches: bigTouches, opportunities: opps, contracts: cons, topParent: topParents(accounts) });
    const seconds = (performance.now() - started) / 1000;
    for (const m of PATH_MODELS) {
      const acv = Object.values(r.new.models[m]!.byChannel).reduce((s, c) => s + c.acv, 0);
      expect(Math.abs(acv - wonAcv) / wonAcv).toBeLessThan(1e-9); // 90k fractional sums: float error ~1e-12 relative
    }
    expect(seconds).toBeLessThan(60); // measured 3.5 s; generous bound for a shared 2-core machine
  });
});

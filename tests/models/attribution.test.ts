import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTION_MODELS,
  attributeWonAcv,
  touchWeights,
  type AttributionModel,
  type AttributionTouch,
  type WonOpportunity,
} from '../../models/attribution';
import { topParents } from '../../models/graph';
import { createRng } from '../../models/random';

const TOL = 1e-9; // sums of a few products of exact binary fractions and 2^(-x)

const touch = (account_id: string, channel: string, campaign_id: string | null, occurred_at: string): AttributionTouch => ({
  account_id,
  channel,
  campaign_id,
  occurred_at,
  kind: 'online',
});

describe('touchWeights', () => {
  const decay = [2 ** -2, 2 ** -1, 2 ** (-1 / 3), 1];
  const decaySum = decay.reduce((s, w) => s + w, 0);
  it.each([
    { model: 'first', ages: [60, 30, 10, 0], want: [1, 0, 0, 0] },
    { model: 'last', ages: [60, 30, 10, 0], want: [0, 0, 0, 1] },
    { model: 'linear', ages: [60, 30, 10, 0], want: [0.25, 0.25, 0.25, 0.25] },
    { model: 'position', ages: [60, 30, 10, 0], want: [0.4, 0.1, 0.1, 0.4] },
    { model: 'position', ages: [5, 1], want: [0.5, 0.5] },
    { model: 'position', ages: [5], want: [1] },
    { model: 'position', ages: [9, 5, 1], want: [0.4, 0.2, 0.4] },
    { model: 'time_decay', ages: [60, 30, 10, 0], want: decay.map((w) => w / decaySum) },
  ] as { model: AttributionModel; ages: number[]; want: number[] }[])('$model over $ages.length touches (half-life 30 d)', ({ model, ages, want }) => {
    const got = touchWeights(model, ages, 30);
    got.forEach((w, i) => expect(Math.abs(w - want[i])).toBeLessThan(TOL));
  });
});

describe('attributeWonAcv on a hand-computed buying group', () => {
  const rollUp = topParents([
    { account_id: 'P', parent_account_id: null },
    { account_id: 'S', parent_account_id: 'P' },
    { account_id: 'X', parent_account_id: null },
  ]);
  const touches = [
    touch('S', 'paid_search', 'c1', '2024-01-01T00:00:00.000Z'), // 60 days before O1, via the subsidiary
    touch('P', 'webinar', 'c2', '2024-01-31T00:00:00.000Z'), // 30 days
    touch('S', 'email', null, '2024-02-20T00:00:00.000Z'), // 10 days
    touch('P', 'event', 'c3', '2024-03-01T00:00:00.000Z'), // same instant as created_at: counts
    touch('P', 'display', 'c4', '2024-03-01T12:00:00.000Z'), // after created_at: never credited
    touch('P', 'paid_social', 'c5', '2023-08-01T00:00:00.000Z'), // 213 days: outside 180-day lookback
    touch('X', 'organic', 'c6', '2023-01-01T00:00:00.000Z'), // outside lookback for O2
  ];
  const won: WonOpportunity[] = [
    { opportunity_id: 'O1', account_id: 'P', created_at: '2024-03-01', acv_usd: 1000, segment: 'enterprise' },
    { opportunity_id: 'O2', account_id: 'X', created_at: '2024-03-01', acv_usd: 500, segment: 'smb' },
  ];
  const result = attributeWonAcv(touches, won, rollUp);
  const decay = [2 ** -2, 2 ** -1, 2 ** (-1 / 3), 1];
  const ds = decay.reduce((s, w) => s + w, 0);
  const expected: Record<AttributionModel, Record<string, number>> = {
    first: { paid_search: 1000, '(none)': 500 },
    last: { event: 1000, '(none)': 500 },
    linear: { paid_search: 250, webinar: 250, email: 250, event: 250, '(none)': 500 },
    position: { paid_search: 400, webinar: 100, email: 100, event: 400, '(none)': 500 },
    time_decay: {
      paid_search: (1000 * decay[0]) / ds,
      webinar: (1000 * decay[1]) / ds,
      email: (1000 * decay[2]) / ds,
      event: (1000 * decay[3]) / ds,
      '(none)': 500,
    },
  };
  it.each(ATTRIBUTION_MODELS.map((m) => ({ model: m })))('$model: ACV by channel matches the hand computation', ({ model }) => {
    const byChannel = result.models[model]!.byChannel;
    expect(Object.keys(byChannel).sort()).toEqual(Object.keys(expected[model]).sort());
    for (const [ch, acv] of Object.entries(expected[model])) {
      expect(Math.abs(byChannel[ch].acv - acv)).toBeLessThan(TOL);
      expect(Math.abs(byChannel[ch].conversions - acv / (ch === '(none)' ? 500 : 1000))).toBeLessThan(TOL);
    }
  });
  it('credits campaigns (null campaign -> "(no campaign)") and segment x channel', () => {
    const pos = result.models.position!;
    expect(pos.byCampaign).toEqual({
      '(none)': { conversions: 1, acv: 500 },
      c1: { conversions: 0.4, acv: 400 },
      c2: { conversions: 0.1, acv: 100 },
      '(no campaign)': { conversions: 0.1, acv: 100 },
      c3: { conversions: 0.4, acv: 400 },
    });
    expect(pos.bySegment.smb).toEqual({ '(none)': { conversions: 1, acv: 500 } });
    expect(pos.bySegment.enterprise.paid_search.acv).toBeCloseTo(400, 9);
    expect(result.untouched).toEqual({ opportunities: 1, acv: 500 });
  });
  it('the lookback boundary is inclusive: a touch exactly lookbackDays old counts, one day more does not', () => {
    const at60 = attributeWonAcv(touches, won, rollUp, { lookbackDays: 60, models: ['first'] });
    expect(at60.models.first!.byChannel.paid_search.acv).toBe(1000);
    const at59 = attributeWonAcv(touches, won, rollUp, { lookbackDays: 59, models: ['first'] });
    expect(at59.models.first!.byChannel.paid_search).toBeUndefined();
    expect(at59.models.first!.byChannel.webinar.acv).toBe(1000);
  });
});

/** Seeded random drop: accounts in families, touches and won deals over two years. */
function randomDrop(nAccounts: number, nTouches: number, nOpps: number, seed: number) {
  const rng = createRng(seed);
  const channels = ['paid_search', 'paid_social', 'display', 'email', 'webinar', 'event', 'content', 'organic'];
  const accounts = Array.from({ length: nAccounts }, (_, i) => ({
    account_id: `A${i}`,
    parent_account_id: i >= 10 && rng.uniform() < 0.3 ? `A${rng.int(0, i - 1)}` : null,
  }));
  const t0 = Date.parse('2022-01-01T00:00:00Z');
  const day = 86_400_000;
  const touches: AttributionTouch[] = Array.from({ length: nTouches }, () => ({
    account_id: `A${rng.int(0, nAccounts - 1)}`,
    channel: channels[rng.int(0, channels.length - 1)],
    campaign_id: rng.uniform() < 0.2 ? null : `K${rng.int(0, 49)}`,
    occurred_at: new Date(t0 + Math.floor(rng.uniform() * 730 * day * 4) / 4).toISOString(),
    kind: 'online',
  }));
  const won: WonOpportunity[] = Array.from({ length: nOpps }, (_, i) => ({
    opportunity_id: `O${i}`,
    account_id: `A${rng.int(0, nAccounts - 1)}`,
    created_at: new Date(t0 + rng.int(0, 729) * day).toISOString().slice(0, 10),
    acv_usd: Math.round(rng.uniform() * 100_000),
    segment: ['enterprise', 'mid_market', 'smb'][rng.int(0, 2)],
  }));
  return { accounts, touches, won };
}

describe('attributeWonAcv against an O(n·m) brute force and at scale', () => {
  it('linear and time-decay channel credit equal a direct scan of every touch for every deal', () => {
    const { accounts, touches, won } = randomDrop(200, 3000, 400, 11);
    const rollUp = topParents(accounts);
    const got = attributeWonAcv(touches, won, rollUp, { models: ['linear', 'time_decay'] });
    const want: Record<string, Record<string, number>> = { linear: {}, time_decay: {} };
    for (const o of won) {
      const created = Date.parse(`${o.created_at}T00:00:00Z`);
      const fam = rollUp.get(o.account_id);
      const mine = touches.filter((t) => {
        const ts = Date.parse(t.occurred_at);
        return rollUp.get(t.account_id) === fam && ts <= created && created - ts <= 180 * 86_400_000;
      });
      if (mine.length === 0) {
        for (const m of ['linear', 'time_decay']) want[m]['(none)'] = (want[m]['(none)'] ?? 0) + o.acv_usd;
        continue;
      }
      const w = mine.map((t) => 2 ** (-(created - Date.parse(t.occurred_at)) / 86_400_000 / 30));
      const ws = w.reduce((s, x) => s + x, 0);
      mine.forEach((t, i) => {
        want.linear[t.channel] = (want.linear[t.channel] ?? 0) + o.acv_usd / mine.length;
        want.time_decay[t.channel] = (want.time_decay[t.channel] ?? 0) + (o.acv_usd * w[i]) / ws;
      });
    }
    for (const m of ['linear', 'time_decay'] as const) {
      const byChannel = got.models[m]!.byChannel;
      expect(Object.keys(byChannel).sort()).toEqual(Object.keys(want[m]).sort());
      // relative 1e-9: the two sum the same terms in different orders
      for (const [ch, acv] of Object.entries(want[m])) expect(Math.abs(byChannel[ch].acv - acv)).toBeLessThan(1e-9 * Math.max(1, acv));
    }
  });

  it('1M touches x 300k won deals: every model reconciles to won ACV and deal count, in a few seconds', () => {
    const { accounts, touches, won } = randomDrop(50_000, 1_000_000, 300_000, 7);
    const rollUp = topParents(accounts);
    const started = performance.now();
    const r = attributeWonAcv(touches, won, rollUp);
    const seconds = (performance.now() - started) / 1000;
    const wonAcv = won.reduce((s, o) => s + o.acv_usd, 0);
    for (const m of ATTRIBUTION_MODELS) {
      const credits = Object.values(r.models[m]!.byChannel);
      const conv = credits.reduce((s, c) => s + c.conversions, 0);
      const acv = credits.reduce((s, c) => s + c.acv, 0);
      expect(Math.abs(conv - won.length)).toBeLessThan(1e-6); // 300k fractional sums: float error ~1e-9 relative
      expect(Math.abs(acv - wonAcv) / wonAcv).toBeLessThan(1e-9);
      const campaignAcv = Object.values(r.models[m]!.byCampaign).reduce((s, c) => s + c.acv, 0);
      expect(Math.abs(campaignAcv - wonAcv) / wonAcv).toBeLessThan(1e-9);
    }
    expect(r.won.acv).toBe(wonAcv);
    expect(seconds).toBeLessThan(20); // generous CI bound; typically a few seconds
  });
});

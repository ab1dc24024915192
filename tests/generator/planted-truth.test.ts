/**
 * The planted truth is there and learnable: harvest channels create nothing
 * yet win last-touch credit, and the renewal probabilities rank outcomes.
 */
import { sampleCorrelation } from 'simple-statistics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fxLookup } from './read-drop';
import type { Drop } from './read-drop';
import { generateAndRead, removeTempDirs } from './world';

const HARVEST = new Set(['paid_search', 'email', 'organic', 'sdr_outbound']);

describe('planted truth', () => {
  afterAll(removeTempDirs);
  let d: Drop;
  beforeAll(async () => {
    d = (await generateAndRead()).drop;
  });

  it('lists every channel with spend, with its role and incremental ACV per dollar', () => {
    const spent = new Map<string, number>();
    const usd = fxLookup(d.fx_rates);
    for (const r of d.spend) spent.set(r.channel, (spent.get(r.channel) ?? 0) + usd(r.amount, r.currency, `${r.month}-01`)!);
    expect(new Set(Object.keys(d.truth.channels))).toEqual(new Set(spent.keys()));
    for (const [c, total] of spent) expect(d.truth.channels[c].spend).toBeCloseTo(total, -1);
    for (const [c, t] of Object.entries(d.truth.channels)) {
      if (t.role === 'harvest') expect(Math.abs(t.incrementalAcvPerDollar), c).toBeLessThan(0.01);
      else expect(t.incrementalAcvPerDollar, c).toBeGreaterThan(0.1);
    }
    expect(d.truth.channels.paid_search.role).toBe('harvest');
    expect(d.truth.channels.event.role).toBe('demand');
    // Demand channels differ in return.
    const rois = Object.values(d.truth.channels).filter((t) => t.role === 'demand').map((t) => t.incrementalAcvPerDollar);
    expect(Math.max(...rois) / Math.min(...rois)).toBeGreaterThan(3);
  });

  it('creates opportunities at the expected monthly rate of the planted model', () => {
    const monthly = d.truth.monthly;
    const expected = monthly.months.map((_, m) => Object.values(monthly.expectedOpportunities).reduce((s, xs) => s + xs[m], 0));
    const observed = monthly.months.map((month) => d.opportunities.filter((o) => o.created_at.startsWith(month)).length);
    const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
    expect(Math.abs(sum(observed) / sum(expected) - 1)).toBeLessThan(0.05);
    expect(sampleCorrelation(expected, observed)).toBeGreaterThan(0.7);
  });

  it('gives harvest channels most last-touch credit for won ACV', () => {
    const usd = fxLookup(d.fx_rates);
    const touches = new Map<string, { t: number; channel: string }[]>();
    for (const r of d.touchpoints) {
      if (!touches.has(r.account_id)) touches.set(r.account_id, []);
      touches.get(r.account_id)!.push({ t: Date.parse(r.occurred_at), channel: r.channel });
    }
    const credit = new Map<string, number>();
    let total = 0;
    for (const o of d.opportunities) {
      if (o.stage !== 'won') continue;
      const created = Date.parse(`${o.created_at}T00:00:00Z`);
      let last: { t: number; channel: string } | null = null;
      for (const x of touches.get(o.account_id) ?? []) if (x.t <= created && (!last || x.t > last.t)) last = x;
      if (!last) continue;
      const acv = usd(o.amount, o.currency, o.closed_at)!;
      credit.set(last.channel, (credit.get(last.channel) ?? 0) + acv);
      total += acv;
    }
    let harvest = 0;
    for (const [c, v] of credit) if (HARVEST.has(c)) harvest += v;
    expect(harvest / total).toBeGreaterThan(0.5);
    // Paid search alone gets more last-touch credit than events, which truly create demand.
    expect(credit.get('paid_search')!).toBeGreaterThan(credit.get('event') ?? 0);
  });

  it('maps every active contract to a planted renewal probability with a realistic spread', () => {
    const active = d.contracts.filter((r) => r.status === 'active').map((r) => r.contract_id);
    const p = d.truth.renewal.activeContracts;
    expect(new Set(Object.keys(p))).toEqual(new Set(active));
    const ps = Object.values(p).sort((a, b) => a - b);
    expect(ps[Math.floor(ps.length * 0.1)]).toBeLessThan(0.65);
    expect(ps[Math.floor(ps.length * 0.9)]).toBeGreaterThan(0.85);
  });

  it('renewal outcomes rise with the planted probability (learnable)', () => {
    const status = new Map(d.contracts.map((r) => [r.contract_id, r.status]));
    const decided = Object.entries(d.truth.renewal.decided)
      .filter(([id]) => status.get(id) === 'renewed' || status.get(id) === 'churned')
      .map(([id, p]) => ({ p, y: status.get(id) === 'renewed' ? 1 : 0 }))
      .sort((a, b) => a.p - b.p);
    expect(decided.length).toBeGreaterThan(500);
    const deciles: number[] = [];
    const meanP: number[] = [];
    for (let k = 0; k < 10; k++) {
      const slice = decided.slice(Math.floor((k * decided.length) / 10), Math.floor(((k + 1) * decided.length) / 10));
      deciles.push(slice.reduce((s, x) => s + x.y, 0) / slice.length);
      meanP.push(slice.reduce((s, x) => s + x.p, 0) / slice.length);
    }
    expect(deciles[9] - deciles[0]).toBeGreaterThan(0.3);
    expect(sampleCorrelation(deciles.map((_, i) => i), deciles)).toBeGreaterThan(0.85);
    // Calibrated: each decile's rate is near its mean planted probability.
    for (let k = 0; k < 10; k++) expect(Math.abs(deciles[k] - meanP[k]), `decile ${k}`).toBeLessThan(0.15);
  });
});

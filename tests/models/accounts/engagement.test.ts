import { describe, expect, it } from 'vitest';
import { accountMql, engagementScores, type AccountMql, type EngagementTouch } from '../../../models/accounts/engagement';
import { parseAttributionPolicy, type EngagementPolicy } from '../../../models/attribution-policy';
import { createRng } from '../../../models/random';

const DAY = 86_400_000;
const TOL = 1e-12;

/** The engagement section of a policy document that states only `rules`. */
const engagement = (rules: Record<string, unknown>): EngagementPolicy => parseAttributionPolicy({ version: '1.1.0', engagement: rules }, 'test').policy.engagement;

const touch = (account_id: string, occurred_at: string, channel = 'email', kind: 'online' | 'offline' = 'online', contact_id: string | null = null): EngagementTouch =>
  ({ account_id, contact_id, channel, kind, occurred_at: occurred_at.length === 10 ? `${occurred_at}T00:00:00.000Z` : occurred_at });

describe('engagement scores against a hand computation', () => {
  // Half-life 30, offline weighs 3, email 0.5, display 0 (left out); as of 2024-06-30, ages run to 2024-07-01T00:00Z.
  const policy = engagement({ halfLifeDays: 30, lookbackDays: 90, weights: { byKind: { online: 1, offline: 3 }, byChannel: { email: 0.5, display: 0 } } });
  const touches = [
    touch('A', '2024-06-30T12:00:00.000Z', 'paid_search', 'online', 'C1'), // 0.5 days, weight 1
    touch('A', '2024-06-01', 'event', 'offline', 'C1'), // 30 days, weight 3
    touch('A', '2024-05-02', 'email', 'online', 'C2'), // 60 days, weight 0.5
    touch('A', '2024-06-21', 'webinar', 'offline'), // 10 days, weight 3, no contact
    touch('A', '2024-06-25', 'display', 'online', 'C2'), // weight 0
    touch('A', '2024-03-01', 'event', 'offline', 'C1'), // 122 days: outside the 90-day lookback
    touch('B', '2024-04-16T06:00:00.000Z', 'sdr_outbound', 'offline', 'C9'), // 75.75 days, weight 3
    touch('C', '2024-01-01', 'email'), // only outside the lookback
  ];
  const h = 30;
  const expected = {
    A: 1 * Math.pow(0.5, 0.5 / h) + 3 * Math.pow(0.5, 30 / h) + 0.5 * Math.pow(0.5, 60 / h) + 3 * Math.pow(0.5, 10 / h),
    C1: 1 * Math.pow(0.5, 0.5 / h) + 3 * Math.pow(0.5, 30 / h),
    C2: 0.5 * Math.pow(0.5, 60 / h),
    B: 3 * Math.pow(0.5, 75.75 / h),
  };

  it('accounts and contacts sum weight × 0.5^(age/half-life) over the touches in the lookback', () => {
    const { accounts, contacts } = engagementScores(touches, policy, '2024-06-30');
    expect(Math.abs(accounts.get('A')! - expected.A)).toBeLessThan(TOL);
    expect(Math.abs(accounts.get('B')! - expected.B)).toBeLessThan(TOL);
    expect(accounts.get('C')).toBe(0);
    expect([...contacts.keys()].sort()).toEqual(['A', 'B']);
    expect([...contacts.get('A')!.keys()].sort()).toEqual(['C1', 'C2']);
    expect(Math.abs(contacts.get('A')!.get('C1')! - expected.C1)).toBeLessThan(TOL);
    expect(Math.abs(contacts.get('A')!.get('C2')! - expected.C2)).toBeLessThan(TOL);
    expect(Math.abs(contacts.get('B')!.get('C9')! - expected.B)).toBeLessThan(TOL);
  });

  it('the crossing walk ends on the same account scores, and flags MQLs at the threshold', () => {
    // A scores about 5.0, B about 0.52: a threshold of 3 makes A alone an MQL.
    const byAccount = accountMql(touches, [], { ...policy, mqlThreshold: 3 }, '2024-06-30');
    for (const id of ['A', 'B'] as const) expect(Math.abs(byAccount.get(id)!.score - expected[id])).toBeLessThan(TOL);
    expect(byAccount.get('C')).toMatchObject({ score: 0, mql: false, mqlAt: null, handoff: null });
    expect(byAccount.get('A')!.mql).toBe(true);
    expect(byAccount.get('B')!.mql).toBe(false);
    // A's score before 2024-06-21: event 20 days old (3 × 2^(-20/30) ≈ 1.89) + email 50 days (≈ 0.16), then the webinar adds 3.
    expect(byAccount.get('A')).toMatchObject({ mqlAt: '2024-06-21', crossedThisMonth: true, handoff: 'pending' });
  });
});

describe('the recursive walk against a brute force', () => {
  const brute = (ts: { t: number; w: number }[], at: number, policy: EngagementPolicy, strictlyBefore: boolean) => {
    let s = 0;
    for (const x of ts) {
      if ((strictlyBefore ? x.t >= at : x.t > at) || at - x.t > policy.lookbackDays * DAY) continue;
      s += x.w * Math.pow(0.5, (at - x.t) / DAY / policy.halfLifeDays);
    }
    return s;
  };

  it('random touches: the score at the as-of date is the direct sum, and the last crossing is where the direct sum first reaches the threshold at a touch', () => {
    const rng = createRng(20261202);
    const channels = ['email', 'event', 'paid_search', 'webinar', 'display'];
    let crossings = 0;
    let mqls = 0;
    for (let trial = 0; trial < 40; trial++) {
      const policy = engagement({
        halfLifeDays: 5 + rng.uniform() * 60, lookbackDays: 80 + rng.uniform() * 200, mqlThreshold: 1 + rng.uniform() * 4,
        weights: { byKind: { online: rng.uniform() * 1.5, offline: rng.uniform() * 3 }, byChannel: { email: rng.uniform(), display: 0 } },
      });
      const asOf = '2025-03-31';
      const end = Date.parse('2025-04-01T00:00:00.000Z');
      const touches: EngagementTouch[] = [];
      for (let a = 0; a < 6; a++) {
        const n = rng.int(0, 40);
        for (let i = 0; i < n; i++) {
          // Whole hours over 600 days around the as-of date, so some touches share a stamp and some come after it.
          const t = end - 540 * DAY + rng.int(0, 600 * 24) * 3_600_000;
          const kind = rng.uniform() < 0.4 ? 'offline' : 'online';
          touches.push(touch(`A${a}`, new Date(t).toISOString(), channels[rng.int(0, channels.length - 1)], kind, rng.uniform() < 0.3 ? null : `C${rng.int(1, 3)}`));
        }
      }
      const scores = engagementScores(touches, policy, asOf);
      const walked = accountMql(touches, [], policy, asOf);
      for (let a = 0; a < 6; a++) {
        const mine = touches.filter((x) => x.account_id === `A${a}`)
          .map((x) => ({ t: Date.parse(x.occurred_at), w: policy.weights.byKind[x.kind] * (policy.weights.byChannel[x.channel] ?? 1), contact: x.contact_id }));
        const known = mine.filter((x) => x.t < end);
        if (known.length === 0) {
          expect(walked.has(`A${a}`)).toBe(false);
          continue;
        }
        const direct = brute(mine, end, policy, true);
        expect(Math.abs(scores.accounts.get(`A${a}`)! - direct)).toBeLessThan(1e-9);
        expect(Math.abs(walked.get(`A${a}`)!.score - direct)).toBeLessThan(1e-9);
        for (const c of ['C1', 'C2', 'C3']) {
          const ofContact = brute(mine.filter((x) => x.contact === c), end, policy, true);
          expect(Math.abs((scores.contacts.get(`A${a}`)?.get(c) ?? 0) - ofContact)).toBeLessThan(1e-9);
        }
        // The direct sum just before and at every touch time up to the as-of date; the last upward crossing.
        let last: number | null = null;
        for (const at of [...new Set(known.map((x) => x.t))].sort((x, y) => x - y)) {
          if (brute(mine, at, policy, true) < policy.mqlThreshold && brute(mine, at, policy, false) >= policy.mqlThreshold) last = at;
        }
        const got = walked.get(`A${a}`)!;
        expect(got.mqlAt).toBe(last === null ? null : new Date(last).toISOString().slice(0, 10));
        expect(got.mql).toBe(direct >= policy.mqlThreshold);
        if (last !== null) crossings++;
        if (got.mql) mqls++;
      }
    }
    // The draws exercise both outcomes often.
    expect(crossings).toBeGreaterThan(40);
    expect(mqls).toBeGreaterThan(10);
  });
});

describe('the hand-off of the last MQL crossing', () => {
  // Two events five days apart cross a threshold of 3 at the second one (2 × 0.5^(5/45) + 2 ≈ 3.85).
  const policy = engagement({ halfLifeDays: 45, mqlThreshold: 3, weights: { byKind: { offline: 2 } }, handoff: { acceptWithinDays: 30 } });
  const crossingOn = (id: string, day: string) =>
    [touch(id, new Date(Date.parse(day) - 5 * DAY).toISOString(), 'event', 'offline'), touch(id, day, 'event', 'offline')];
  const asOf = '2024-06-30';
  const run = (touches: EngagementTouch[], opps: { account_id: string; created_at: string }[]) => accountMql(touches, opps, policy, asOf);

  it.each<[string, string, string[], Partial<AccountMql>]>([
    ['accepted: an opportunity 10 days after the crossing', '2024-03-10', ['2024-03-20'], { mqlAt: '2024-03-10', handoff: 'accepted', crossedThisMonth: false }],
    ['accepted: on day 30', '2024-03-10', ['2024-04-09'], { handoff: 'accepted' }],
    ['accepted: on the crossing day', '2024-03-10', ['2024-03-10'], { handoff: 'accepted' }],
    ['not accepted: the opportunity came 31 days after', '2024-03-10', ['2024-04-10'], { handoff: 'not_accepted' }],
    ['not accepted: the only opportunity came before the crossing', '2024-03-10', ['2024-03-09'], { handoff: 'not_accepted' }],
    ['not accepted: nothing in the 30 days', '2024-05-31', [], { mqlAt: '2024-05-31', handoff: 'not_accepted' }],
    ['pending: 29 days since the crossing, no opportunity yet', '2024-06-01', [], { mqlAt: '2024-06-01', handoff: 'pending', crossedThisMonth: true }],
    ['pending: an opportunity after the as-of date is not known yet', '2024-06-20', ['2024-07-02'], { handoff: 'pending', crossedThisMonth: true }],
  ])('%s', (_, day, opps, expected) => {
    const got = run(crossingOn('A', day), opps.map((created_at) => ({ account_id: 'A', created_at })));
    expect(got.get('A')).toMatchObject(expected);
  });

  it('no crossing: no MQL date and no hand-off, whatever the opportunities', () => {
    const got = run([touch('A', '2024-06-29', 'event', 'offline')], [{ account_id: 'A', created_at: '2024-06-30' }]);
    expect(got.get('A')).toMatchObject({ mql: false, mqlAt: null, crossedThisMonth: false, handoff: null });
  });

  it('the last of several crossings is the one judged; another account\'s opportunity does not accept it', () => {
    const touches = [...crossingOn('A', '2024-01-20'), touch('A', '2024-05-01', 'event', 'offline'), touch('A', '2024-05-05', 'event', 'offline')];
    const got = run(touches, [{ account_id: 'A', created_at: '2024-01-25' }, { account_id: 'B', created_at: '2024-05-10' }]);
    expect(got.get('A')).toMatchObject({ mqlAt: '2024-05-05', handoff: 'not_accepted' });
  });
});

describe('the lookback edge and the as-of date', () => {
  // Half-life and lookback 90 days: an event weighs 2, halved at the lookback's edge; two events reach 2.9 only together.
  const policy = engagement({ halfLifeDays: 90, lookbackDays: 90, mqlThreshold: 2.9, weights: { byKind: { offline: 2 } } });

  it('a touch exactly lookbackDays old at the end of the as-of day counts; a millisecond older does not', () => {
    // 2024-04-02 to 2024-07-01 is 90 days.
    const at = engagementScores([touch('A', '2024-04-02', 'event', 'offline'), touch('B', '2024-04-01T23:59:59.999Z', 'event', 'offline')], policy, '2024-06-30');
    expect(Math.abs(at.accounts.get('A')! - 2 * Math.pow(0.5, 90 / 90))).toBeLessThan(TOL);
    expect(at.accounts.get('B')).toBe(0);
    const walked = accountMql([touch('A', '2024-04-02', 'event', 'offline'), touch('B', '2024-04-01T23:59:59.999Z', 'event', 'offline')], [], policy, '2024-06-30');
    expect(Math.abs(walked.get('A')!.score - 2 * Math.pow(0.5, 90 / 90))).toBeLessThan(TOL);
    expect(walked.get('B')!.score).toBe(0);
  });

  it('the walk applies the lookback at each touch: an event 90 days back helps cross, one 90 days and a millisecond back does not', () => {
    const inside = accountMql([touch('A', '2024-01-01', 'event', 'offline'), touch('A', '2024-03-31', 'event', 'offline')], [], policy, '2024-06-30');
    expect(inside.get('A')!.mqlAt).toBe('2024-03-31');
    const outside = accountMql([touch('A', '2024-01-01', 'event', 'offline'), touch('A', '2024-03-31T00:00:00.001Z', 'event', 'offline')], [], policy, '2024-06-30');
    expect(outside.get('A')!.mqlAt).toBeNull();
  });

  it('touches after the end of the as-of day are ignored by the scores and the crossings', () => {
    const touches = [
      touch('A', '2024-06-30T23:59:59.999Z', 'event', 'offline'),
      touch('A', '2024-07-01', 'event', 'offline'), // the next day: would cross
      touch('B', '2024-07-02', 'event', 'offline', 'C1'),
    ];
    const scores = engagementScores(touches, policy, '2024-06-30');
    expect(Math.abs(scores.accounts.get('A')! - 2 * Math.pow(0.5, 1 / DAY / 90))).toBeLessThan(TOL);
    expect(scores.accounts.has('B')).toBe(false);
    expect(scores.contacts.has('B')).toBe(false);
    const walked = accountMql(touches, [], policy, '2024-06-30');
    expect(walked.get('A')).toMatchObject({ mql: false, mqlAt: null });
    expect(walked.has('B')).toBe(false);
  });

  it('refuses an as-of that is not a date', () => {
    expect(() => engagementScores([], policy, '2024-06')).toThrow(/as-of date must be YYYY-MM-DD, got "2024-06"/);
  });
});

describe('the engagement section of the attribution policy', () => {
  it('an older document without it gets the defaults; a partial one keeps what it states', () => {
    const old = parseAttributionPolicy({ version: '1.0.0', lookbackDays: 120 }, 'old.json').policy;
    expect(old.engagement).toEqual({
      halfLifeDays: 45, lookbackDays: 365, weights: { byKind: { online: 1, offline: 2 }, byChannel: {} }, mqlThreshold: 3, handoff: { acceptWithinDays: 30 },
    });
    const partial = parseAttributionPolicy({ version: '1.1.0', engagement: { weights: { byChannel: { event: 3 } }, handoff: {} } }, 'partial.json').policy.engagement;
    expect(partial.weights).toEqual({ byKind: { online: 1, offline: 2 }, byChannel: { event: 3 } });
    expect(partial.handoff.acceptWithinDays).toBe(30);
  });

  it('refuses bad fields with the file, the field and why', () => {
    const cases: [unknown, RegExp][] = [
      [{ lookbackDays: 30 }, /bad\.json: engagement\.lookbackDays: lookbackDays \(30\) must be at least halfLifeDays \(45\)/],
      [{ halfLifeDays: 0 }, /bad\.json: engagement\.halfLifeDays: Too small/],
      [{ mqlThreshold: -1 }, /bad\.json: engagement\.mqlThreshold: Too small/],
      [{ weights: { byKind: { offline: -2 } } }, /bad\.json: engagement\.weights\.byKind\.offline: Too small/],
      [{ weights: { byChannel: { event: -1 } } }, /bad\.json: engagement\.weights\.byChannel\.event: Too small/],
      [{ weights: { byKind: { phone: 1 } } }, /bad\.json: engagement\.weights\.byKind: Unrecognized key: "phone"/],
      [{ handoff: { acceptWithinDays: 7.5 } }, /bad\.json: engagement\.handoff\.acceptWithinDays: /],
      [{ threshold: 3 }, /bad\.json: engagement: Unrecognized key: "threshold"/],
    ];
    for (const [rules, message] of cases) expect(() => parseAttributionPolicy({ version: '1.1.0', engagement: rules }, 'bad.json')).toThrow(message);
  });
});

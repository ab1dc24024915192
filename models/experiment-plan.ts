/**
 * The next lift tests: which channels to test, how, for how long, what the
 * test can see, and how much it would narrow what the media-mix model knows.
 *
 * - Value of information = budget at stake (a year of the channel's current
 *   monthly spend) × the width of its ROI 80% interval: the spread of the ACV
 *   a year of that spend may cause. A large budget with a wide interval is
 *   worth testing first; a small budget or a narrow interval is not. When the
 *   model says a channel is not identified (its data cannot separate its
 *   effect), that channel goes first whatever its value: only a test can
 *   identify it.
 * - Design, from the channel's touches and the accounts' regions:
 *   mostly offline touches (events, calls, demos, invitations go to named
 *   accounts) → hold out a random share of accounts; mostly online media
 *   (bought by audience, targetable by geography, not by account) → hold
 *   out whole regions when the accounts carry regions; otherwise on/off
 *   flighting (alternate months with and without the channel's spend).
 * - Minimum detectable lift at 80% power, two-sided α = 5%, by the closed
 *   form MDE = (z_{1−α/2} + z_{0.8}) · σ · √(1/n_t + 1/n_c). Holdouts count
 *   account-months: σ is the model's monthly residual noise of the whole
 *   business (new opportunities, valued at the channel's ACV per
 *   opportunity) spread over N accounts, σ/√N per account-month (accounts
 *   independent, as Poisson counts are), and n_t = N(1−h)m, n_c = Nhm; the
 *   per-account-month lift scaled back to all N accounts over m months is
 *   the lift reported, in ACV (N cancels). Flighting counts months: σ is the
 *   monthly noise itself, n_t the months on and n_c the months off.
 * - Months and share: the cheapest design (fewest held-out account-months,
 *   h × m; then fewer months) whose MDE in ROI is at most the ROI the model
 *   estimates (or, when it estimates none, the top of its interval): if the
 *   model is right, the test sees it. At least 2 months (adstock carries a
 *   month's spend into the next), at most 6.
 * - Expected interval: the test's standard error in ROI, se_t = MDE / (z +
 *   z), combined with the current interval's, se_0 = width / (2 z_{0.9}), by
 *   precision weighting: se = 1/√(1/se_0² + 1/se_t²). Each side of the
 *   current interval shrinks around the point by se / se_0 (so a skewed
 *   interval keeps its skew); the test is expected to land on the point.
 */

import { usd } from '../lib/format';
import { Z_AT_0_80, Z_AT_0_90, Z_AT_0_975 } from './normal';

/** The test lengths considered, months. */
export const LIFT_TEST_MONTHS = { min: 2, max: 6 } as const;
/** Shares of accounts an account holdout may keep from the channel. */
export const ACCOUNT_HOLDOUT_SHARES = [0.1, 0.2, 0.3, 0.4, 0.5] as const;
/** A region holdout keeps at least this share of accounts away (smaller is too few to read) and at most half. */
const REGION_SHARE = { min: 0.05, max: 0.5 } as const;
/** A channel is addressable by account when at least this share of its touches are offline. */
const OFFLINE_ACCOUNT_HOLDOUT = 0.5;

export type LiftTestDesign = 'account_holdout' | 'region_holdout' | 'flighting';

export interface LiftTestChannel {
  channel: string;
  /** Current spend, USD per month (e.g. the mean of the last three months). */
  monthlySpend: number;
  /** ROI point and 80% interval (ACV per dollar). */
  roi: number;
  roiLow: number;
  roiHigh: number;
  /** ACV per unit of the model's outcome (new opportunity) this channel causes. */
  acvPerUnit: number;
  /** Share of the channel's touches that are offline (0..1). */
  offlineShare: number;
  /** false when the model flags the channel as not identified; null when no flag is known. */
  identified: boolean | null;
  /** Why not identified, when flagged. */
  identifiabilityReasons?: readonly string[];
}

export interface LiftTestPlanInput {
  channels: readonly LiftTestChannel[];
  /** The model's residual noise of the monthly outcome, outcome units. */
  residualSd: number;
  /** Accounts with a known region, per region. */
  regions: readonly { region: string; accounts: number }[];
  /** All accounts. */
  accounts: number;
}

export interface LiftTest {
  rank: number;
  channel: string;
  design: LiftTestDesign;
  /** Share of accounts held out (holdouts) or of months off (flighting). */
  holdoutShare: number;
  /** The regions a region holdout keeps away from the channel; empty otherwise. */
  heldOutRegions: string[];
  months: number;
  /** Incremental ACV over the test the design detects with 80% power (α = 5%, two-sided). */
  minimumDetectableLift: number;
  /** The same, per dollar of the channel's spend over the test. */
  minimumDetectableRoi: number;
  /** The test's standard error of ROI. */
  testStandardError: number;
  intervalNow: [number, number];
  intervalExpected: [number, number];
  /** Budget at stake × ROI interval width, ACV. */
  valueOfInformation: number;
  /** A year of the channel's current spend, USD. */
  budgetAtStake: number;
  identified: boolean | null;
  /** Whether the MDE reaches the target (the estimated ROI, or the interval's top when it estimates none). */
  detectsEstimate: boolean;
  why: string;
}

export interface LiftTestPlan {
  tests: LiftTest[];
  /** Channels not planned, and why. */
  skipped: { channel: string; why: string }[];
}

/**
 * The closed form: the smallest true difference in means between n_t
 * treated and n_c control units of noise σ that a two-sided test at α = 5%
 * finds with 80% power.
 *
 * @example
 * minimumDetectableEffect(10, 50, 50); // (1.95996 + 0.84162) · 10 · √(1/50 + 1/50) ≈ 5.603
 */
export function minimumDetectableEffect(sigma: number, nTreated: number, nControl: number): number {
  if (!(nTreated > 0 && nControl > 0)) throw new RangeError(`both groups need units: n_t = ${nTreated}, n_c = ${nControl}`);
  return (Z_AT_0_975 + Z_AT_0_80) * sigma * Math.sqrt(1 / nTreated + 1 / nControl);
}

/**
 * Combines an 80% interval around `point` with an independent measurement of
 * standard error `testSe` expected to land on the point (precision
 * weighting); each side shrinks by the ratio of standard errors.
 *
 * @example
 * expectedInterval(1, [0, 2], 0.78); // se_0 = 2 / (2 · 1.28155) = 0.780; ratio 1/√2: [0.293, 1.707]
 */
export function expectedInterval(point: number, now: readonly [number, number], testSe: number): [number, number] {
  const se0 = (now[1] - now[0]) / (2 * Z_AT_0_90);
  if (!(se0 > 0)) return [now[0], now[1]];
  const ratio = testSe > 0 ? Math.sqrt(1 / (1 + (se0 * se0) / (testSe * testSe))) : 0;
  return [point - (point - now[0]) * ratio, point + (now[1] - point) * ratio];
}

interface Candidate { design: LiftTestDesign; share: number; regions: string[]; months: number; mdeAcv: number; mdeRoi: number; seRoi: number }

/** The lift over a test of m months and share h: ACV and ROI, for each design. */
function measure(design: LiftTestDesign, share: number, months: number, c: LiftTestChannel, residualSd: number, accounts: number) {
  const sigmaAcv = residualSd * c.acvPerUnit;
  let mdeAcv: number;
  let spendInTest: number;
  if (design === 'flighting') {
    const on = Math.ceil(months * (1 - share));
    const off = months - on;
    mdeAcv = minimumDetectableEffect(sigmaAcv, on, off) * on;
    spendInTest = c.monthlySpend * on;
  } else {
    const perAccountMonth = minimumDetectableEffect(sigmaAcv / Math.sqrt(accounts), accounts * (1 - share) * months, accounts * share * months);
    mdeAcv = perAccountMonth * accounts * months;
    spendInTest = c.monthlySpend * months;
  }
  const mdeRoi = mdeAcv / spendInTest;
  return { mdeAcv, mdeRoi, seRoi: mdeRoi / (Z_AT_0_975 + Z_AT_0_80) };
}

/** Subsets of regions whose share of all accounts lies in the readable range, as (share, regions). */
function regionHoldouts(regions: LiftTestPlanInput['regions'], accounts: number): { share: number; regions: string[] }[] {
  const known = regions.filter((r) => r.accounts > 0).slice().sort((a, b) => (a.region < b.region ? -1 : 1)).slice(0, 12);
  const out: { share: number; regions: string[] }[] = [];
  for (let mask = 1; mask < 1 << known.length; mask++) {
    const picked = known.filter((_, i) => mask & (1 << i));
    const share = picked.reduce((s, r) => s + r.accounts, 0) / accounts;
    if (share >= REGION_SHARE.min && share <= REGION_SHARE.max) out.push({ share, regions: picked.map((r) => r.region) });
  }
  return out;
}

function designOf(c: LiftTestChannel, regionOptions: { share: number; regions: string[] }[]): { design: LiftTestDesign; because: string } {
  const offline = `${Math.round(c.offlineShare * 100)}% of its touches are offline`;
  if (c.offlineShare >= OFFLINE_ACCOUNT_HOLDOUT) {
    return { design: 'account_holdout', because: `${offline} (events, calls and invitations reach named accounts), so a random share of accounts can be left out` };
  }
  if (regionOptions.length) {
    return { design: 'region_holdout', because: `${offline}: online media is bought by audience and targeted by geography, not by account, and the accounts carry regions` };
  }
  return { design: 'flighting', because: `${offline}: online media cannot be withheld by account and no region holds a readable share of accounts, so its spend goes on and off by month` };
}

const fmt = (x: number, d = 2) => x.toFixed(d);

/**
 * Plans the next lift tests (see the module comment), most valuable first.
 *
 * @example
 * const plan = planLiftTests({ residualSd: 12, accounts: 4000, regions: [{ region: 'NA', accounts: 2000 }, { region: 'EMEA', accounts: 1200 }],
 *   channels: [{ channel: 'event', monthlySpend: 60_000, roi: 2.1, roiLow: 0.8, roiHigh: 3.9, acvPerUnit: 30_000, offlineShare: 1, identified: null }] });
 * plan.tests[0].design; // 'account_holdout'
 */
export function planLiftTests(input: LiftTestPlanInput): LiftTestPlan {
  if (!(input.residualSd >= 0) || !(input.accounts > 0)) throw new RangeError('residualSd must be >= 0 and accounts > 0');
  const regionOptions = regionHoldouts(input.regions, input.accounts);
  const skipped: LiftTestPlan['skipped'] = [];
  const planned: Omit<LiftTest, 'rank' | 'why'>[] = [];
  const reasons = new Map<string, string[]>();
  for (const c of input.channels) {
    if (!(c.monthlySpend > 0)) {
      skipped.push({ channel: c.channel, why: 'no recent spend: nothing to hold out and no budget at stake' });
      continue;
    }
    const { design, because } = designOf(c, regionOptions);
    const shares = design === 'account_holdout' ? ACCOUNT_HOLDOUT_SHARES.map((share) => ({ share, regions: [] as string[] }))
      : design === 'region_holdout' ? regionOptions : [{ share: 0.5, regions: [] as string[] }];
    const target = c.roi > 0 ? c.roi : c.roiHigh;
    const candidates: Candidate[] = [];
    for (const s of shares) {
      for (let m = LIFT_TEST_MONTHS.min; m <= LIFT_TEST_MONTHS.max; m++) candidates.push({ design, share: s.share, regions: s.regions, months: m, ...measure(design, s.share, m, c, input.residualSd, input.accounts) });
    }
    const cost = (k: Candidate) => (design === 'flighting' ? k.months : k.share * k.months);
    const feasible = candidates.filter((k) => k.mdeRoi <= target).sort((a, b) => cost(a) - cost(b) || a.months - b.months || a.share - b.share);
    // Nothing reaches the target: the most powerful design still narrows the interval most.
    const best = feasible[0] ?? candidates.slice().sort((a, b) => a.mdeRoi - b.mdeRoi || a.months - b.months)[0];
    const now: [number, number] = [c.roiLow, c.roiHigh];
    const budgetAtStake = 12 * c.monthlySpend;
    const test = {
      channel: c.channel, design, holdoutShare: best.share, heldOutRegions: best.regions, months: best.months,
      minimumDetectableLift: best.mdeAcv, minimumDetectableRoi: best.mdeRoi, testStandardError: best.seRoi,
      intervalNow: now, intervalExpected: expectedInterval(c.roi, now, best.seRoi),
      valueOfInformation: budgetAtStake * (c.roiHigh - c.roiLow), budgetAtStake, identified: c.identified, detectsEstimate: feasible.length > 0,
    };
    planned.push(test);
    const what = design === 'account_holdout' ? `hold out ${fmt(best.share * 100, 0)}% of accounts at random`
      : design === 'region_holdout' ? `hold out ${best.regions.join(' + ')} (${fmt(best.share * 100, 0)}% of accounts)`
        : 'alternate months on and off';
    const aim = c.roi > 0 ? `the ROI the model estimates (${fmt(c.roi)})` : `the top of its interval (${fmt(c.roiHigh)}; the model estimates no effect)`;
    const detect = feasible.length
      ? `${best.months} months detect ${aim} with 80% power at α = 5% (MDE ${fmt(best.mdeRoi)} ACV per $, ${usd(best.mdeAcv)})`
      : `even ${best.months} months cannot detect ${aim} (MDE ${fmt(best.mdeRoi)} ACV per $, ${usd(best.mdeAcv)}), but the test still narrows the interval`;
    reasons.set(c.channel, [
      c.identified === false ? `not identified by the model${c.identifiabilityReasons?.length ? ` (${c.identifiabilityReasons.join('; ')})` : ''}: only a test can tell its effect` : '',
      `${usd(budgetAtStake)} a year at stake × ROI 80% interval ${fmt(c.roiLow)}–${fmt(c.roiHigh)} = ${usd(test.valueOfInformation)} of value of information`,
      `${because}: ${what}`,
      detect,
      `expected ROI interval after the test ${fmt(test.intervalExpected[0])}–${fmt(test.intervalExpected[1])}`,
    ].filter(Boolean));
  }
  // Unidentified channels first (a flag of false; null means no flag), then by value of information.
  const unidentified = (t: { identified: boolean | null }) => (t.identified === false ? 0 : 1);
  planned.sort((a, b) => unidentified(a) - unidentified(b) || b.valueOfInformation - a.valueOfInformation || (a.channel < b.channel ? -1 : 1));
  const tests = planned.map((t, i) => ({ rank: i + 1, ...t, why: `#${i + 1}: ${reasons.get(t.channel)!.join('; ')}` }));
  return { tests, skipped };
}

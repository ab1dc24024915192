/** Accounts: segments, regions, currencies, parent/subsidiary trees and names. */
import type { Rng } from './rng';
import { ACCOUNT_PROPENSITY, INDUSTRIES, REGIONS, REGION_WEIGHTS, SEGMENT_LIST, SEGMENT_PARAMS } from './params';

export interface Account {
  index: number;
  id: string;
  name: string;
  /** Index of the parent account, -1 for a root. Parents always come earlier, so no cycles. */
  parent: number;
  depth: number;
  /** 0 enterprise, 1 mid_market, 2 smb (SEGMENT_LIST order). */
  segment: number;
  industry: string | null;
  region: string;
  currency: string;
  /** Relative propensity to open opportunities (firmographic multiplier × noise); 0 = never buys. */
  weight: number;
  /** The planted firmographic multiplier of the weight (params.ts ACCOUNT_PROPENSITY), 1 on average-ish; kept for never-buyers too. */
  firmographic: number;
  seats: number;
  /** Earliest day of any activity on the account (Infinity = none yet). */
  firstDay: number;
}

const STEMS = [
  'Acme', 'Blue', 'North', 'Stone', 'Bright', 'Iron', 'Silver', 'Quantum', 'Green', 'Red', 'Summit', 'Harbor',
  'Atlas', 'Nova', 'Apex', 'Cedar', 'Falcon', 'Granite', 'Horizon', 'Lumen', 'Maple', 'Orion', 'Pioneer', 'River',
  'Sierra', 'Titan', 'Vertex', 'Willow', 'Zenith', 'Crescent', 'Delta', 'Echo', 'Polar', 'Copper', 'Meridian',
];
const ENDINGS = [
  'field', 'bridge', 'wave', 'point', 'gate', 'works', 'line', 'stack', 'peak', 'forge', 'light', 'path', 'core',
  'rock', 'view', 'dale', 'ridge', 'port', 'scale', 'sight', '',
];
const SUFFIXES = [
  'Inc.', 'LLC', 'Ltd', 'GmbH', 'SA', 'Corp.', 'Group', 'Holdings', 'Technologies', 'Systems', 'Partners', 'AG',
  'BV', 'KK', 'Pty Ltd', 'Labs', 'Software',
];
const SURNAMES = ['Hartley', 'Moreno', 'Nakamura', 'Schmidt', 'Okafor', 'Dubois', 'Rossi', 'Lindqvist', 'Patel', 'Kowalski', 'Silva', 'Chen'];
const NICKNAMES = ['Blue Sky', 'Northstar', 'The Works', 'Big Data', 'Fast Lane'];
const REGION_LABEL: Record<string, string[]> = {
  NA: ['US', 'Canada', 'North America'],
  EMEA: ['UK', 'Deutschland', 'France', 'Nordics', 'EMEA'],
  APAC: ['Japan', 'Australia', 'Singapore', 'APAC'],
  LATAM: ['Brasil', 'Mexico', 'LATAM'],
  '': ['International'],
};

function companyName(rng: Rng): string {
  const r = rng.next();
  const stem = rng.pick(STEMS) + rng.pick(ENDINGS);
  // Real CRM names carry commas, quotes and the odd leading '=' typed by a user.
  if (r < 0.04) return `${rng.pick(SURNAMES)}, ${rng.pick(SURNAMES)} & Co.`;
  if (r < 0.055) return `${stem} "${rng.pick(NICKNAMES)}" ${rng.pick(SUFFIXES)}`;
  if (r < 0.06) return `${stem}, ${rng.pick(SUFFIXES)}`;
  if (r < 0.062) return `=${stem} ${rng.pick(SUFFIXES)}`;
  return `${stem} ${rng.pick(SUFFIXES)}`;
}

function currencyFor(rng: Rng, region: string): string {
  if (region === 'EMEA') return rng.chance(0.35) ? 'GBP' : 'EUR';
  if (region === 'APAC') return rng.chance(0.4) ? 'JPY' : 'USD';
  return 'USD';
}

/**
 * The planted firmographic multiplier of an account's propensity to open
 * deals: a function of its attributes only, no draw, so every stream draws
 * what it drew before the multiplier was planted.
 *
 * @example
 * firmographicMultiplier('Software', 'NA', 0, 800); // 2.6 × 1.5 × (800 / 400)^0.6 ≈ 5.91
 */
export function firmographicMultiplier(industry: string | null, region: string, segment: number, seats: number): number {
  const p = ACCOUNT_PROPENSITY;
  const median = SEGMENT_PARAMS[SEGMENT_LIST[segment]].seats;
  return (industry === null ? 1 : p.industry[industry] ?? 1) * (p.region[region] ?? 1) * Math.pow(seats / median, p.seatsElasticity);
}

function drawSegment(rng: Rng): number {
  return rng.weighted(SEGMENT_LIST.map((s) => SEGMENT_PARAMS[s].share));
}

export function makeAccounts(rng: Rng, n: number): Account[] {
  const accounts: Account[] = [];
  const parentPool: number[] = [];
  const width = Math.max(5, String(n).length);
  for (let i = 0; i < n; i++) {
    let parent = -1;
    let depth = 0;
    let segment: number;
    let region: string;
    let industry: string | null;
    let name: string;
    if (parentPool.length > 0 && rng.chance(0.15)) {
      parent = parentPool[rng.int(0, parentPool.length - 1)];
      const p = accounts[parent];
      depth = p.depth + 1;
      segment = Math.min(2, p.segment + (rng.chance(0.5) ? 1 : 0));
      region = rng.chance(0.5) ? p.region : REGIONS[rng.weighted(REGION_WEIGHTS)];
      industry = rng.chance(0.8) ? p.industry : null;
      const base = p.name.replace(/ \(.*\)$/, '');
      name = `${base} (${rng.pick(REGION_LABEL[region])})`;
    } else {
      segment = drawSegment(rng);
      region = REGIONS[rng.weighted(REGION_WEIGHTS)];
      industry = rng.chance(0.06) ? null : rng.pick(INDUSTRIES);
      name = companyName(rng);
    }
    const currency = currencyFor(rng, region);
    // Drawn in the order they always were (the noise, then the seats); the multiplier reads the seats.
    const noise = rng.chance(ACCOUNT_PROPENSITY.neverBuys) ? 0 : rng.lognormal(ACCOUNT_PROPENSITY.noiseMedian, ACCOUNT_PROPENSITY.noiseSigma);
    const seats = Math.max(1, SEGMENT_PARAMS[SEGMENT_LIST[segment]].seats * rng.lognormal(1, 0.5));
    const firmographic = firmographicMultiplier(industry, region, segment, seats);
    const account: Account = {
      index: i,
      id: `ACC-${String(i + 1).padStart(width, '0')}`,
      name,
      parent,
      depth,
      segment,
      industry,
      region,
      currency,
      weight: firmographic * noise,
      firmographic,
      seats,
      firstDay: Infinity,
    };
    accounts.push(account);
    // Depth is at most 2 (three levels); small businesses have no subsidiaries.
    if (depth < 2 && segment < 2) parentPool.push(i);
  }
  return accounts;
}

/** Draws accounts of a segment in proportion to their propensity. */
export class AccountSampler {
  /** The accounts each table draws from (the buyers, or all when it has none): every account, then each segment's. */
  private readonly pools: Account[][];
  private all!: { ids: Int32Array; cum: Float64Array };
  private bySegment: { ids: Int32Array; cum: Float64Array }[] = [];

  constructor(accounts: readonly Account[]) {
    const pool = (list: Account[]) => {
      const buyers = list.filter((a) => a.weight > 0);
      return buyers.length > 0 ? buyers : list;
    };
    this.pools = [pool([...accounts]), ...SEGMENT_LIST.map((_, s) => pool(accounts.filter((a) => a.segment === s)))];
    this.boost(null);
  }

  /** Multiplies each account's weight by boost[index] (null: by 1) for the draws that follow. */
  boost(boost: Float64Array | null): void {
    const [all, ...bySegment] = this.pools.map((use) => {
      const ids = Int32Array.from(use, (a) => a.index);
      const cum = new Float64Array(use.length);
      let s = 0;
      use.forEach((a, i) => {
        s += (a.weight > 0 ? a.weight : 1) * (boost ? boost[a.index] : 1);
        cum[i] = s;
      });
      return { ids, cum };
    });
    this.all = all;
    this.bySegment = bySegment;
  }

  /** An account index; falls back to any segment when this one has no accounts. */
  draw(rng: Rng, segment: number | null): number {
    let t = segment === null ? this.all : this.bySegment[segment];
    if (t.ids.length === 0) t = this.all;
    const r = rng.next() * t.cum[t.cum.length - 1];
    let lo = 0;
    let hi = t.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (t.cum[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return t.ids[lo];
  }
}

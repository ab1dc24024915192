/**
 * The KPI report (`marketingKpiReport`, models/kpi.ts) on a world of the
 * bench's size, against the hand-written group-bys it replaced, in one run:
 * the reference is that version of models/kpi.ts read from git into a temp
 * file (its imports pointed back at this tree), so the tree stays clean.
 *
 *   npx tsx bench/kpi-table.ts [--reference <rev>] [--runs 5] [--seed 42]
 *
 * The world is plain objects from a seeded stream (no database, no drop):
 * 100,000 accounts (a quarter under a parent), 300,000 opportunities over
 * 46 months, a first contract per won deal and renewal chains (~130,000
 * contracts), spend per channel and month. Prints the median of `runs`
 * calls of each (CPU and wall milliseconds; the first call of each, the
 * comparison, is not timed), the ratio current / reference, and whether both
 * gave the same report (JSON text: same keys in the same order, same numbers).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Rng } from '../generator/rng';
import { DAY_MS } from '../lib/dates';
import { marketingKpiReport, type KpiAccount, type KpiContractDated, type KpiOpportunityDated, type KpiSpend, type MarketingKpiOptions } from '../models/kpi';

/** The last commit whose models/kpi.ts did every group-by by hand (Maps and loops). */
const HAND_WRITTEN = 'fe17ea2';
const REPO = resolve(__dirname, '..');

type Report = typeof marketingKpiReport;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** models/kpi.ts at `rev`, written to a temp folder with its imports pointed at this tree. */
function referenceModule(rev: string): { file: string; cleanup: () => void } {
  const text = execFileSync('git', ['show', `${rev}:models/kpi.ts`], { cwd: REPO, encoding: 'utf8' });
  const from = join(REPO, 'models');
  const rewired = text.replace(/from '([^']+)'/g, (_, spec: string) =>
    `from '${spec.startsWith('.') ? resolve(from, spec) : require.resolve(spec, { paths: [REPO] })}'`);
  const dir = mkdtempSync(join(tmpdir(), 'kpi-table-'));
  const file = join(dir, 'kpi-reference.ts');
  writeFileSync(file, rewired);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A world of the bench's size, as the validator would hand it to the score stage. */
export function kpiWorld(seed: number, sizes = { accounts: 100_000, opportunities: 300_000 }) {
  const rng = new Rng(seed, 'kpi-table');
  const segments = ['enterprise', 'mid_market', 'smb'];
  const regions = ['NA', 'EMEA', 'APAC', 'LATAM'];
  const sources = ['webinar', 'paid_search', 'event', 'content', 'email', 'social', 'gclid_ads'];
  const channels = ['webinar', 'paid_search', 'event', 'content', 'email', 'social'];
  const id = (p: string, i: number) => `${p}${String(i).padStart(7, '0')}`;

  const accounts: KpiAccount[] = [];
  for (let i = 0; i < sizes.accounts; i++) {
    accounts.push({
      account_id: id('A', i),
      parent_account_id: i > 10 && rng.chance(0.25) ? id('A', rng.int(0, i - 1)) : null,
      segment: segments[rng.weighted([1, 3, 6])],
      region: rng.chance(0.03) ? null : rng.pick(regions),
    });
  }
  const start = Date.UTC(2023, 0, 1);
  const asOf = '2026-11-01';
  const asOfMs = Date.UTC(2026, 10, 1);
  const opportunities: KpiOpportunityDated[] = [];
  const contracts: KpiContractDated[] = [];
  let c = 0;
  for (let i = 0; i < sizes.opportunities; i++) {
    const created = start + rng.int(0, 1400) * DAY_MS;
    const stage = (['open', 'won', 'lost'] as const)[rng.weighted([2, 3, 5])];
    const closed = stage === 'open' ? null : created + rng.int(5, 200) * DAY_MS;
    const o: KpiOpportunityDated = {
      opportunity_id: id('O', i),
      // A few opportunities name an account the drop does not have: the '(unknown)' family.
      account_id: rng.chance(0.005) ? id('X', i) : id('A', rng.int(0, sizes.accounts - 1)),
      stage,
      lead_source: rng.chance(0.35) ? null : rng.pick(sources),
      created_at: day(created),
      closed_at: closed === null ? null : day(closed),
    };
    opportunities.push(o);
    if (stage !== 'won' || closed === null) continue;
    let prev: string | null = null;
    let from = closed;
    let acv = Math.round(rng.lognormal(60_000, 0.9));
    // A first contract per won deal, renewed a year at a time while the coin says so and the term has ended.
    for (;;) {
      const end = from + 365 * DAY_MS;
      const cid = id('C', c++);
      contracts.push({ contract_id: cid, opportunity_id: prev === null ? o.opportunity_id : null, previous_contract_id: prev, acv_usd: acv, end_date: day(end) });
      if (end > asOfMs || !rng.chance(0.6)) break;
      prev = cid;
      from = end;
      acv = Math.round(acv * rng.uniform(0.9, 1.2));
    }
  }
  const spend: KpiSpend[] = [];
  for (let m = 0; m < 46; m++) {
    const month = day(Date.UTC(2023, m, 1)).slice(0, 7);
    for (const channel of channels) spend.push({ month, channel, amount_usd: Math.round(rng.lognormal(150_000, 0.4)) });
  }
  const options: MarketingKpiOptions = { asOf, channelOfLeadSource: { gclid_ads: 'paid_search' } };
  return { accounts, opportunities, contracts, spend, options };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall and CPU (user + system) milliseconds of one call: on a shared machine the CPU time is the one to compare. */
function timeMs(f: () => unknown): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  f();
  const c = process.cpuUsage(c0);
  return { wall: Number(process.hrtime.bigint() - t0) / 1e6, cpu: (c.user + c.system) / 1e3 };
}

async function main() {
  const rev = arg('reference', HAND_WRITTEN);
  const runs = Number(arg('runs', '5'));
  const seed = Number(arg('seed', '42'));
  const ref = referenceModule(rev);
  try {
    const old = (await import(ref.file)) as { marketingKpiReport: Report };
    const w = kpiWorld(seed);
    process.stderr.write(`world: ${w.accounts.length} accounts, ${w.opportunities.length} opportunities, ${w.contracts.length} contracts, ${w.spend.length} spend rows\n`);
    const call = (f: Report) => () => f(w.opportunities, w.contracts, w.accounts, w.spend, w.options);
    const same = JSON.stringify(call(old.marketingKpiReport)()) === JSON.stringify(call(marketingKpiReport)());
    const before: { wall: number; cpu: number }[] = [];
    const after: { wall: number; cpu: number }[] = [];
    // Alternate, so that a busy spell on the machine falls on both.
    for (let i = 0; i < runs; i++) {
      before.push(timeMs(call(old.marketingKpiReport)));
      after.push(timeMs(call(marketingKpiReport)));
    }
    const summary = (key: 'wall' | 'cpu') => ({
      referenceMs: Math.round(median(before.map((t) => t[key]))),
      currentMs: Math.round(median(after.map((t) => t[key]))),
      ratio: Number((median(after.map((t) => t[key])) / median(before.map((t) => t[key]))).toFixed(2)),
      all: { reference: before.map((t) => Math.round(t[key])), current: after.map((t) => Math.round(t[key])) },
    });
    const result = {
      reference: rev, runs, seed,
      world: { accounts: w.accounts.length, opportunities: w.opportunities.length, contracts: w.contracts.length, spend: w.spend.length },
      cpu: summary('cpu'), wall: summary('wall'),
      sameReport: same,
    };
    console.log(JSON.stringify(result, null, 2));
    if (!same) process.exitCode = 1;
  } finally {
    ref.cleanup();
  }
}

if (require.main === module) void main();

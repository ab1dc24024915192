/**
 * The renewal features (models/renewal/) at the bench world's size, against
 * the code before issue 15's rework in one run: the reference is that
 * version of models/renewal/*, models/usage-trend.ts and the models that read
 * them (renewal-spec, renewal-backtest, lifetimes, ltv), read from git into a
 * temp folder with their other imports pointed back at this tree, so the
 * tree stays clean.
 *
 *   npx tsx bench/renewal-features.ts [--accounts 100000] [--seeds 42,7] [--reference <rev>] [--cache DIR]
 *
 * For each seed it generates the world (`generateDrop`, 36 months to
 * 2026-10) and reads accounts, contracts and usage through the contract
 * validator (the rows ingest lands; usage projected to the four columns the
 * stages load), then runs what the stages run on them, each stage on its own
 * copy of the usage array (a stage loads its rows afresh):
 * - retrain: renewalDecisions, fitRenewalModel, activeContracts, the survival summary;
 * - backtest: renewalDecisions and the rolling-origin refit of each contender
 *   (this run's model against the baseline, then against a log-slope champion);
 * - score: the serving model (this run's, the baseline's, the log-slope
 *   champion's), activeContracts, renewal paths and contractLtv per contract.
 * The current code is called as the stages are to call it: the usage index
 * built once (usageIndexOf) and passed, and only the usage measures the
 * model in use reads (usageReadBy). Each step's CPU and wall seconds and
 * each stage's peak heap (process.memoryUsage().heapUsed after a forced GC
 * at each step's end, every value made so far still held, over the same
 * before the stage; a step's garbage while it runs is not seen) are printed
 * for both, with the ratio current / reference, and whether
 * every output is the same JSON text (model parameters, survival summary,
 * every decision's and active contract's features, backtests, scores and
 * LTVs). Exit code 1 when any differs.
 *
 * `--cache DIR` keeps the generated drops in DIR (seed-<seed>-<accounts>) and
 * reuses them; without it they go to a temp folder removed at the end.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { validateDrop } from '../contracts';
import { generateDrop } from '../generator';
import { asOfDate } from '../lib/dates';
import { contractsWithSegment } from '../activities/cycle-data';
import { deriveSeed } from '../models/random';
import * as currentRenewal from '../models/renewal';
import * as currentSpec from '../models/renewal-spec';
import * as currentBacktest from '../models/renewal-backtest';
import * as currentLifetimes from '../models/lifetimes';
import * as currentLtv from '../models/ltv';
import type { RenewalAccount, RenewalContract, RenewalModel, RenewalUsage } from '../models/renewal';

/** The last commit before the rework: the usage index built per call, the filter fitted whatever the model reads. */
const BEFORE = '6b332b0';
const REPO = resolve(__dirname, '..');
/** The files copied from the reference: those the rework touches and those that call them. */
const REFERENCE_FILES = ['models/usage-trend.ts', 'models/renewal-spec.ts', 'models/renewal-backtest.ts', 'models/lifetimes.ts', 'models/ltv.ts'];
/** What the stages use (activities/backtest.ts and score.ts keep these private). */
const RENEWAL_ORIGINS = 4;
const RENEWAL_HORIZON_MONTHS = 3;
const RENEWAL_PATH_LENGTH = 8;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Impl {
  renewal: typeof currentRenewal;
  spec: typeof currentSpec;
  backtest: typeof currentBacktest;
  lifetimes: typeof currentLifetimes;
  ltv: typeof currentLtv;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** The reference's models, written to a temp folder in the same layout; imports outside the copied files point at this tree. */
async function referenceImpl(rev: string, dir: string): Promise<Impl> {
  const renewalFiles = execFileSync('git', ['ls-tree', '--name-only', `${rev}:models/renewal`], { cwd: REPO, encoding: 'utf8' })
    .split('\n').filter((f) => f.endsWith('.ts')).map((f) => `models/renewal/${f}`);
  const files = [...renewalFiles, ...REFERENCE_FILES];
  const copied = new Set(files);
  for (const file of files) {
    const text = execFileSync('git', ['show', `${rev}:${file}`], { cwd: REPO, encoding: 'utf8' });
    const rewired = text.replace(/from '([^']+)'/g, (_, spec: string) => {
      if (!spec.startsWith('.')) return `from '${require.resolve(spec, { paths: [REPO] })}'`;
      const target = relative(REPO, resolve(REPO, dirname(file), spec));
      if (copied.has(`${target}.ts`) || copied.has(`${target}/index.ts`)) return `from '${spec}'`;
      return `from '${resolve(REPO, target)}'`;
    });
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    writeFileSync(join(dir, file), rewired);
  }
  return {
    renewal: await import(join(dir, 'models/renewal/index.ts')),
    spec: await import(join(dir, 'models/renewal-spec.ts')),
    backtest: await import(join(dir, 'models/renewal-backtest.ts')),
    lifetimes: await import(join(dir, 'models/lifetimes.ts')),
    ltv: await import(join(dir, 'models/ltv.ts')),
  };
}

interface World {
  seed: number;
  asOf: string;
  contracts: RenewalContract[];
  accounts: RenewalAccount[];
  usage: RenewalUsage[];
  /** The contracts with their account's segment, as score joins them for LTV. */
  ltvContracts: ReturnType<typeof contractsWithSegment>;
}

/** The world of one seed: generated (or found in the cache), validated as ingest would, projected as the stages load it. */
async function worldOf(seed: number, accounts: number, root: string): Promise<World> {
  const dir = join(root, `seed-${seed}-${accounts}`);
  const sub = `${dir}-renewal`;
  if (!existsSync(join(dir, 'truth.json'))) {
    const t = Date.now();
    await generateDrop({ outDir: dir, seed, accounts });
    process.stderr.write(`generated seed ${seed} (${accounts} accounts) in ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
  }
  // Only the files the renewal rows need (contracts name opportunities; amounts convert with fx rates): the other files' errors don't matter here.
  if (!existsSync(sub)) {
    mkdirSync(sub);
    for (const f of ['accounts.csv', 'opportunities.csv', 'contracts.csv', 'usage.csv', 'fx_rates.csv']) if (existsSync(join(dir, f))) symlinkSync(join(dir, f), join(sub, f));
  }
  const { rows } = await validateDrop(sub);
  const usage = rows.usage.map((u) => ({ account_id: u.account_id, month: u.month, active_users: u.active_users, usage_units: u.usage_units }));
  const contracts = rows.contracts as unknown as RenewalContract[];
  const accountsRows = rows.accounts as unknown as RenewalAccount[];
  return { seed, asOf: asOfDate('2026-10'), contracts, accounts: accountsRows, usage, ltvContracts: contractsWithSegment(rows) };
}

interface Step { cpu: number; wall: number }
interface StageRun { steps: Record<string, Step>; heapMiB: number; peakHeapMiB: number; outputs: Record<string, string> }
type StepFn = <T>(name: string, f: () => T) => T;

const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
const heapUsed = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

/**
 * Runs a stage's steps, timing each. Its heap is read after a forced GC at each step's end with every value made so
 * far still referenced (the usage rows too, as a stage holds them): the largest is `peakHeapMiB`, the last `heapMiB`,
 * both over the heap before the stage.
 */
function stage(run: (step: StepFn, hold: (x: unknown) => void) => Record<string, unknown>): StageRun {
  const before = heapUsed();
  const held: unknown[] = [];
  const steps: Record<string, Step> = {};
  let peak = 0;
  const step: StepFn = (name, f) => {
    const c = process.cpuUsage();
    const t = performance.now();
    const out = f();
    const dc = process.cpuUsage(c);
    steps[name] = { cpu: (dc.user + dc.system) / 1e6, wall: (performance.now() - t) / 1000 };
    held.push(out);
    peak = Math.max(peak, heapUsed() - before);
    return out;
  };
  const outputs = run(step, (x) => held.push(x));
  const heapMiB = (heapUsed() - before) / 2 ** 20;
  held.length = 0;
  return { steps, heapMiB, peakHeapMiB: peak / 2 ** 20, outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, digest(v)])) };
}

/** What the stages do with the renewal model, the reference's way (each call given the rows) or the current one (the index once, the measures read). */
function stages(impl: Impl, w: World, current: boolean, champion: { params: unknown }) {
  const { renewal: R } = impl;
  const reads = (params: unknown) => (current ? { usage: R.usageReadBy(params) } : {});
  const fitted: { model?: RenewalModel } = {};
  const retrain = stage((step, hold) => {
    const rows = w.usage.slice();
    hold(rows);
    const usage = current ? step('index', () => R.usageIndexOf(rows)) : rows;
    const decisions = step('decisions', () => R.renewalDecisions(w.contracts, w.accounts, usage, w.asOf));
    const model = step('fit', () => R.fitRenewalModel(decisions));
    const active = step('active', () => R.activeContracts(w.contracts, w.accounts, usage, w.asOf));
    const survival = step('survival', () => impl.lifetimes.survivalSummary(impl.lifetimes.customerLifetimes(decisions, active, w.asOf), decisions));
    fitted.model = JSON.parse(JSON.stringify(model)) as RenewalModel;
    return { model, survival, metrics: { decisions: decisions.length, renewed: decisions.filter((d) => d.renewed).length }, decisions, active };
  });
  const challenger = fitted.model!;
  const baseline = { kind: 'baseline_rate' };

  const backtest = (championParams: unknown) => stage((step, hold) => {
    const usage = w.usage.slice();
    hold(usage);
    const r = current ? R.eitherReads(R.usageReadBy(challenger), R.usageReadBy(championParams)) : null;
    const decisions = step('decisions', () => R.renewalDecisions(w.contracts, w.accounts, current ? R.usageIndexOf(usage) : usage, w.asOf, r ? { usage: r } : {}));
    const out: Record<string, unknown> = {};
    for (const [role, params] of [['challenger', challenger], ['champion', championParams]] as const) {
      const spec = impl.spec.renewalSpecOf(params);
      out[role] = step(`refit ${role}`, () => impl.backtest.rollingRenewalBacktest(decisions, { asOf: w.asOf, origins: RENEWAL_ORIGINS, horizonMonths: RENEWAL_HORIZON_MONTHS },
        (train) => impl.spec.fitRenewalSpec(spec, train)));
    }
    return out;
  });

  const score = (servingParams: unknown) => stage((step, hold) => {
    const usage = w.usage.slice();
    hold(usage);
    const isBaseline = (servingParams as { kind: string }).kind === 'baseline_rate';
    const model = isBaseline
      ? step('baseline', () => R.fitRenewalModel(R.renewalDecisions(w.contracts, w.accounts, usage, w.asOf, reads(servingParams)), { minDecisions: Number.MAX_SAFE_INTEGER }))
      : (servingParams as RenewalModel);
    const active = step('active', () => R.activeContracts(w.contracts, w.accounts, current ? R.usageIndexOf(usage) : usage, w.asOf, reads(model)));
    const byId = new Map(w.ltvContracts.map((c) => [c.contract_id, c]));
    const scores = step('ltv', () => {
      const uplift = impl.ltv.renewalUplift(w.contracts);
      const costRatios = impl.ltv.costRatioBySegment([...byId.values()]);
      return active.map((a) => {
        const c = byId.get(a.contract_id)!;
        const path = R.renewalPath(model, a, RENEWAL_PATH_LENGTH);
        const ltv = impl.ltv.contractLtv(
          { contract_id: c.contract_id, segment: c.segment, acv_usd: c.acv_usd, end_date: c.end_date, term_months: c.term_months,
            cost_to_serve_annual_usd: c.cost_to_serve_annual_usd, p_renew: R.predictRenewal(model, a), p_renew_path: path },
          { asOf: w.asOf, seed: deriveSeed(w.seed, c.contract_id), expansionRate: uplift.n ? uplift.mean : 0, costRatioBySegment: costRatios },
        );
        const expansion = uplift.n ? impl.ltv.expectedExpansion(ltv, c.acv_usd, uplift.mean) : 0;
        return { contract_id: c.contract_id, renewal_probability: ltv.pNextRenewal, ltv_mean: ltv.expected, ltv_p10: ltv.p10, ltv_p50: ltv.p50,
          ltv_p90: ltv.p90, ltv_outcomes: ltv.outcomes, projected_arr: ltv.projectedArr12m, expected_expansion: expansion };
      });
    });
    return { scores };
  });

  return {
    retrain,
    'backtest (champion: baseline)': backtest(baseline),
    'backtest (champion: log-slope)': backtest(champion.params),
    'score (serving: this run)': score(challenger),
    'score (serving: baseline)': score(baseline),
    'score (serving: log-slope)': score(champion.params),
  };
}

const total = (r: StageRun, f: 'cpu' | 'wall') => Object.values(r.steps).reduce((s, x) => s + x[f], 0);
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

async function main() {
  const accounts = Number(arg('accounts', '100000'));
  const seeds = arg('seeds', '42,7').split(',').map(Number);
  const rev = arg('reference', BEFORE);
  const cache = process.argv.includes('--cache') ? resolve(arg('cache', '')) : null;
  const root = cache ?? mkdtempSync(join(tmpdir(), 'renewal-features-'));
  const refDir = mkdtempSync(join(tmpdir(), 'renewal-reference-'));
  if (cache) mkdirSync(cache, { recursive: true });
  try {
    const reference = await referenceImpl(rev, refDir);
    const current: Impl = { renewal: currentRenewal, spec: currentSpec, backtest: currentBacktest, lifetimes: currentLifetimes, ltv: currentLtv };
    const results = [];
    let allSame = true;
    for (const [k, seed] of seeds.entries()) {
      const w = await worldOf(seed, accounts, root);
      // A champion of an older specification: the log-slope model, fitted by the reference on the same decisions.
      const champion = { params: JSON.parse(JSON.stringify(reference.renewal.fitRenewalModel(reference.renewal.renewalDecisions(w.contracts, w.accounts, w.usage.slice(), w.asOf),
        { features: { usage: true, tenure: true, usageMeasure: 'log-slope' } }))) };
      gc();
      // Alternate which runs first, so neither always has the warmer machine.
      const order = k % 2 === 0 ? (['reference', 'current'] as const) : (['current', 'reference'] as const);
      const runs = {} as Record<'reference' | 'current', ReturnType<typeof stages>>;
      for (const which of order) {
        process.stderr.write(`seed ${seed}: ${which}…\n`);
        runs[which] = stages(which === 'current' ? current : reference, w, which === 'current', champion);
      }
      const byStage = Object.keys(runs.reference).map((name) => {
        const a = runs.reference[name as keyof typeof runs.reference];
        const b = runs.current[name as keyof typeof runs.current];
        const differs = Object.keys(a.outputs).filter((o) => a.outputs[o] !== b.outputs[o]);
        if (differs.length) allSame = false;
        return {
          stage: name,
          reference: { cpu: round(total(a, 'cpu')), wall: round(total(a, 'wall')), heapMiB: round(a.heapMiB, 1), peakHeapMiB: round(a.peakHeapMiB, 1), steps: a.steps },
          current: { cpu: round(total(b, 'cpu')), wall: round(total(b, 'wall')), heapMiB: round(b.heapMiB, 1), peakHeapMiB: round(b.peakHeapMiB, 1), steps: b.steps },
          ratio: { cpu: round(total(b, 'cpu') / total(a, 'cpu')), wall: round(total(b, 'wall') / total(a, 'wall')),
            heap: round(b.heapMiB / a.heapMiB), peakHeap: round(b.peakHeapMiB / a.peakHeapMiB) },
          sameOutputs: (differs.length === 0 ? true : differs) as true | string[],
        };
      });
      results.push({ seed, accounts, contracts: w.contracts.length, usageRows: w.usage.length, order, stages: byStage });
      for (const s of byStage) {
        process.stderr.write(`seed ${seed} ${s.stage.padEnd(32)} cpu ${s.reference.cpu.toFixed(2)} -> ${s.current.cpu.toFixed(2)} s (x${s.ratio.cpu})`
          + `  peak heap ${s.reference.peakHeapMiB} -> ${s.current.peakHeapMiB} MiB (x${s.ratio.peakHeap})  same: ${s.sameOutputs === true ? 'yes' : s.sameOutputs.join(', ')}\n`);
      }
    }
    process.stdout.write(JSON.stringify({ reference: rev, code: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim(), results, allSame }, null, 1) + '\n');
    if (!allSame) process.exitCode = 1;
  } finally {
    rmSync(refDir, { recursive: true, force: true });
    if (!cache) rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) void main();

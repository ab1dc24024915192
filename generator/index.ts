/**
 * The synthetic data-drop generator: a B2B world with planted truth (which
 * channels create demand and which only harvest it, and the renewal model),
 * written as a data drop (../shared/spec/data-drop.md) plus truth.json.
 *
 * @example
 *   const summary = await generateDrop({ outDir: '/tmp/drop', seed: 7, accounts: 2000 });
 *   summary.rows.touchpoints; // ~20k
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monthFromIndex } from '../lib/dates';
import { writeAccounts, writeUsage } from './account-rows';
import { AccountSampler, makeAccounts } from './accounts';
import { writeContractsAndInvoices } from './billing';
import { parseMonth } from './calendar';
import { UsageProcess } from './contracts';
import type { Book } from './contracts';
import { FILE_KEYS, checkGzip, openWriters, rowCounts } from './drop-files';
import { writeExperiments } from './experiments';
import { dropFrame, windowMonthOf } from './frame';
import { writeFx } from './fx';
import { Touches } from './journeys';
import { writeOpportunities } from './opportunities';
import { Rng } from './rng';
import { contractSigner, signInstalledBase } from './signing';
import { writeSpend } from './spend';
import { buildTruth } from './truth';
import { plantUsageLags } from './usage-lag';
import { checkKnobs } from './world-knobs';
import type { WorldKnobs } from './world-knobs';

export interface GenerateOptions {
  outDir: string;
  seed?: number;
  accounts?: number;
  months?: number;
  /** Last month of the window, YYYY-MM. */
  end?: string;
  /** File names (e.g. "touchpoints.csv") to write gzipped as "<name>.gz". */
  gzip?: string[];
  /** Also write experiments.csv: lift tests measuring the planted truth with noise of their stated stderr. Default false. */
  experiments?: boolean;
  /** Plant a drift in the last three months (generator/drift.ts) and record it in truth.json. Default false. */
  drift?: boolean;
  /**
   * Knobs that make causal inference hard (generator/world-knobs.ts); all off
   * by default. When given (even empty), truth.json gains `world`: the knobs,
   * each channel's planted response curve and what its spend caused.
   * `liftTests` implies experiments.
   */
  world?: WorldKnobs;
}

export interface GeneratedFile {
  name: string;
  file: string;
  rows: number;
}

export interface GenerateSummary {
  outDir: string;
  seed: number;
  accounts: number;
  months: [string, string];
  files: GeneratedFile[];
  rows: Record<string, number>;
  truthFile: string;
}

export async function generateDrop(opts: GenerateOptions): Promise<GenerateSummary> {
  const seed = opts.seed ?? 42;
  const n = opts.accounts ?? 2000;
  const months = opts.months ?? 36;
  const endMonth = parseMonth(opts.end ?? '2026-10');
  if (!Number.isInteger(n) || n < 1) throw new Error(`accounts must be a positive integer, got ${n}`);
  if (!Number.isInteger(months) || months < 1) throw new Error(`months must be a positive integer, got ${months}`);
  if (opts.world) checkKnobs(opts.world);
  const knobs = opts.world;
  const gzip = new Set(opts.gzip ?? []);
  checkGzip(gzip);
  await mkdir(opts.outDir, { recursive: true });

  const frame = dropFrame(seed, n, months, endMonth, Boolean(opts.drift), knobs);
  const { firstMonth: A0, asOfDay } = frame;

  const writers = openWriters(opts.outDir, gzip);
  const fx = writeFx(frame, writers.fx_rates);
  const { demand, visibleSpendUsd } = writeSpend(frame, fx, writers.spend);
  const driftRng = new Rng(seed, 'drift');

  const experiments = opts.experiments || knobs?.liftTests?.length
    ? await writeExperiments(opts.outDir, new Rng(seed, 'experiments'), demand, A0, knobs?.liftTests) : null;

  const accounts = makeAccounts(new Rng(seed, 'accounts'), n);
  const sampler = new AccountSampler(accounts);
  const usage = new UsageProcess(new Rng(seed, 'usage'), n, months);
  const book: Book = { contracts: [], windowMonth: (day) => windowMonthOf(frame, day), asOfDay };
  const contractRng = new Rng(seed, 'contracts');
  const sign = contractSigner(contractRng, book, usage, accounts);
  signInstalledBase(frame, contractRng, accounts, sampler, sign);

  const touchRng = new Rng(seed, 'touchpoints');
  const touches = new Touches(touchRng, writers.touchpoints);
  await writeOpportunities(
    frame,
    { demand, fx, accounts, sampler, touches, sign, book, usage, ow: writers.opportunities, tw: writers.touchpoints },
    { opportunities: new Rng(seed, 'opportunities'), touchpoints: touchRng, drift: driftRng },
  );

  const { live, payments } = await writeContractsAndInvoices(frame, book, accounts, usage, fx, writers.contracts, writers.invoices);
  const timeToValue = plantUsageLags(new Rng(seed, 'usage-lag'), book, accounts, live, months);
  await writeUsage(frame, accounts, usage, live, writers.usage);
  await writeAccounts(frame, accounts, driftRng, writers.accounts);

  await Promise.all(Object.values(writers).map((w) => w.close()));

  const rows = rowCounts(writers);
  const truth = buildTruth(frame, { demand, visibleSpendUsd, book, experiments, accounts, usage, rows, payments: payments.truth(), timeToValue });
  const truthFile = join(opts.outDir, 'truth.json');
  await writeFile(truthFile, JSON.stringify(truth, null, 1) + '\n');

  const files: GeneratedFile[] = FILE_KEYS.map((k) => ({ name: k, file: writers[k].fileName, rows: writers[k].rows }));
  if (experiments) files.push({ name: 'experiments', file: 'experiments.csv', rows: experiments.length });
  return {
    outDir: opts.outDir,
    seed,
    accounts: n,
    months: [monthFromIndex(A0), monthFromIndex(endMonth)],
    files,
    rows: Object.fromEntries(files.map((f) => [f.name, f.rows])),
    truthFile,
  };
}

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
import { Rng } from './rng';
import { addMonths, dateString, dayOf, daysInMonth, monthString, parseMonth, timestampString } from './calendar';
import { AccountSampler, makeAccounts } from './accounts';
import type { Account } from './accounts';
import { UsageProcess, addChain, drawDiscount, drawTerm } from './contracts';
import type { Book } from './contracts';
import { writeAccounts, writeUsage } from './account-rows';
import { writeContractsAndInvoices } from './billing';
import { DRIFT } from './drift';
import { FILE_KEYS, checkGzip, openWriters, rowCounts } from './drop-files';
import { writeExperiments } from './experiments';
import { dropFrame, windowMonthOf } from './frame';
import { writeFx } from './fx';
import { BASE, PAID_CHANNELS, PRODUCTS, SEGMENT_LIST, SEGMENT_PARAMS } from './params';
import type { Channel } from './params';
import { writeSpend } from './spend';
import { buildTruth } from './truth';
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

/** Legacy contracts (signed before the window, still live at its start) per account. */
const LEGACY_PER_ACCOUNT = 0.03;
/** Touches on random accounts per month per 1,000 accounts that belong to no journey. */
const NOISE_TOUCHES_PER_1K = 50;
const NOISE_SHARE: Record<Channel, number> = {
  paid_search: 0.22, paid_social: 0.14, display: 0.14, webinar: 0.04, event: 0.04, content: 0.1, partner: 0.02,
  email: 0.16, organic: 0.1, sdr_outbound: 0.04,
};
const CAMPAIGN_CODE: Partial<Record<Channel, string>> = {
  paid_search: 'PS', paid_social: 'SOC', display: 'DSP', webinar: 'WEB', event: 'EVT', content: 'CNT', partner: 'PTR',
};
/** Knob harvestLastTouch: the share of the causing channel's journey touches that go unrecorded. */
const HIDDEN_CAUSE_TOUCHES = 0.7;

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
  const { firstMonth: A0, windowStartDay, asOfDay, scale, driftM } = frame;
  const windowMonth = (day: number) => windowMonthOf(frame, day);

  const writers = openWriters(opts.outDir, gzip);
  const fx = writeFx(frame, writers.fx_rates);
  const { money } = fx;
  const { demand, visibleSpendUsd } = writeSpend(frame, fx, writers.spend);
  const driftRng = new Rng(seed, 'drift');

  const experiments = opts.experiments || knobs?.liftTests?.length
    ? await writeExperiments(opts.outDir, new Rng(seed, 'experiments'), demand, A0, knobs?.liftTests) : null;

  const accounts = makeAccounts(new Rng(seed, 'accounts'), n);
  const sampler = new AccountSampler(accounts);
  const usage = new UsageProcess(new Rng(seed, 'usage'), n, months);
  const book: Book = { contracts: [], windowMonth, asOfDay };
  const contractRng = new Rng(seed, 'contracts');
  const touchRng = new Rng(seed, 'touchpoints');
  const oppRng = new Rng(seed, 'opportunities');

  const newContract = (account: Account, startDay: number, acvUsd: number, product: string | null, opportunityId: string | null) => {
    const term = drawTerm(contractRng, account.segment);
    addChain(book, contractRng, usage, accounts, {
      account: account.index,
      opportunityId,
      product,
      startDay,
      endDay: addMonths(startDay, term),
      term,
      acvUsd,
      discount: drawDiscount(contractRng, account.segment),
      discountShown: contractRng.chance(0.92),
      costRatio: contractRng.chance(0.2) ? null : contractRng.uniform(0.1, 0.35),
    });
  };

  const drawAcv = (rng: Rng, account: Account) => {
    const p = SEGMENT_PARAMS[SEGMENT_LIST[account.segment]];
    return rng.lognormal(p.acvMedianUsd, p.acvSigma);
  };

  // The installed base at the window start.
  const legacy = Math.round(LEGACY_PER_ACCOUNT * n);
  for (let i = 0; i < legacy; i++) {
    const account = accounts[sampler.draw(contractRng, null)];
    const startDay = windowStartDay - contractRng.int(1, 360);
    account.firstDay = Math.min(account.firstDay, startDay);
    const product = contractRng.chance(0.05) ? null : contractRng.pick(PRODUCTS);
    newContract(account, startDay, drawAcv(contractRng, account), product, null);
  }

  // Touchpoints.
  let touchCount = 0;
  const tw = writers.touchpoints;
  const touch = (account: Account, channel: Channel, utcMinutes: number) => {
    const r = touchRng;
    const day = Math.floor(utcMinutes / 1440);
    let kind: 'online' | 'offline' = 'online';
    if (channel === 'event') kind = 'offline';
    else if (channel === 'webinar') kind = r.chance(0.9) ? 'offline' : 'online';
    else if (channel === 'sdr_outbound') kind = r.chance(0.7) ? 'offline' : 'online';
    const contact = r.chance(0.15) ? null : `CON-${account.id.slice(4)}-${r.int(1, 3 + 4 * (2 - account.segment))}`;
    let campaign: string | null = null;
    const code = CAMPAIGN_CODE[channel];
    const yyyymm = () => dateString(day).slice(0, 7).replace('-', '');
    if (code && r.chance(0.9)) campaign = `CMP-${code}-${yyyymm()}-${r.int(1, 3)}`;
    else if (channel === 'email' && r.chance(0.5)) campaign = `EML-${yyyymm()}-${r.int(1, 4)}`;
    const f = r.next();
    let ts: string;
    if (f < 0.02) ts = dateString(day);
    else if (f < 0.05) ts = timestampString(utcMinutes, r.pick([60, 120, -300, 540, 330]));
    else ts = timestampString(utcMinutes, null);
    touchCount++;
    tw.row([`TP-${String(touchCount).padStart(9, '0')}`, account.id, contact, channel, campaign, ts, kind]);
    // A date-only stamp means midnight UTC, so the account must exist by that day.
    if (day < account.firstDay) account.firstDay = day;
  };
  const minutesAt = (day: number) => day * 1440 + touchRng.int(8 * 60, 19 * 60 + 59);

  const meanSpend = (c: Channel) => (PAID_CHANNELS[c]!.budgetPer1k * scale);
  const demandChannels = demand.channels.filter((c) => c.params.role === 'demand' && c.channel !== 'partner');
  let oppCount = 0;
  const ow = writers.opportunities;
  const oppWidth = Math.max(6, String(Math.round(n * 4)).length);
  for (let m = 0; m < months; m++) {
    const abs = A0 + m;
    const dim = daysInMonth(abs);
    const comps = [demand.baseline[m], ...demand.channels.map((c) => c.lambda[m])];
    const total = comps.reduce((s, x) => s + x, 0);
    const count = oppRng.poisson(total);
    const psRatio = meanSpend('paid_search') > 0 ? demand.channels.find((c) => c.channel === 'paid_search')!.spendUsd[m] / meanSpend('paid_search') : 0;
    const harvestWeights = [0.45 * psRatio, 0.25, 0.2, 0.1];
    const harvestChannels: Channel[] = ['paid_search', 'email', 'organic', 'sdr_outbound'];
    const incidentalWeights = demandChannels.map((c) => c.spendUsd[m]);
    const anyIncidental = incidentalWeights.some((w) => w > 0);
    for (let i = 0; i < count; i++) {
      const cause = oppRng.weighted(comps);
      let kind: 'marketing' | 'sales' | 'partner';
      let causal: Channel | null = null;
      let mix = BASE.mix;
      if (cause === 0) {
        const r = oppRng.next();
        kind = r < BASE.marketingShare ? 'marketing' : r < BASE.marketingShare + BASE.salesOutboundShare ? 'sales' : 'partner';
      } else {
        const ch = demand.channels[cause - 1];
        causal = ch.channel;
        kind = causal === 'partner' ? 'partner' : 'marketing';
        mix = ch.params.mix;
      }
      const account = accounts[sampler.draw(oppRng, oppRng.weighted(mix))];
      const seg = SEGMENT_PARAMS[SEGMENT_LIST[account.segment]];
      const createdDay = dayOf(abs, oppRng.int(1, dim));
      const closeM = m + oppRng.weighted(seg.cycle);
      const won = oppRng.chance(seg.winRate);
      const closed = closeM <= months - 1;
      const stage = closed ? (won ? 'won' : 'lost') : 'open';
      const closeDay = closed ? dayOf(A0 + closeM, oppRng.int(1, daysInMonth(A0 + closeM))) : null;
      const acvUsd = drawAcv(oppRng, account) * (closeM >= driftM ? DRIFT.dealSizeFactor : 1);
      const product = oppRng.chance(0.05) ? null : oppRng.pick(PRODUCTS);

      // The journey: the cause early, harvest touches right before creation.
      const journey: [number, Channel][] = [];
      if (causal && causal !== 'partner') {
        const k = touchRng.int(1, 3);
        for (let j = 0; j < k; j++) {
          const t = minutesAt(createdDay - touchRng.int(15, 120));
          // Knob harvestLastTouch: most of the cause's touches go unrecorded (a view, an unscanned badge); the harvest touch is what is seen.
          if (!knobs?.harvestLastTouch || touchRng.chance(1 - HIDDEN_CAUSE_TOUCHES)) journey.push([t, causal]);
        }
      }
      if (kind === 'partner') {
        const k = touchRng.int(1, 2);
        for (let j = 0; j < k; j++) journey.push([minutesAt(createdDay - touchRng.int(7, 90)), 'partner']);
      }
      if (kind === 'sales') {
        const k = touchRng.int(1, 3);
        for (let j = 0; j < k; j++) journey.push([minutesAt(createdDay - touchRng.int(1, 45)), 'sdr_outbound']);
      }
      if (anyIncidental && touchRng.chance(0.35)) {
        const c = demandChannels[touchRng.weighted(incidentalWeights)].channel;
        journey.push([minutesAt(createdDay - touchRng.int(10, 150)), c]);
      }
      let lastHarvest: Channel | null = null;
      // Knob harvestLastTouch: every journey, whatever started it, ends on harvest touches.
      if (kind === 'marketing' || knobs?.harvestLastTouch) {
        const k = touchRng.int(1, 3);
        let latest = -Infinity;
        for (let j = 0; j < k; j++) {
          const c = harvestChannels[touchRng.weighted(harvestWeights)];
          const t = minutesAt(createdDay - touchRng.int(1, 21));
          journey.push([t, c]);
          if (t > latest) {
            latest = t;
            lastHarvest = c;
          }
        }
      }
      journey.sort((a, b) => a[0] - b[0]);
      for (const [t, c] of journey) touch(account, c, t);

      // Marketing-sourced leads are credited to whichever channel captured them, often a harvest one.
      let leadSource: string | null = null;
      if (kind === 'marketing') leadSource = causal && !knobs?.harvestLastTouch && oppRng.chance(0.45) ? causal : lastHarvest;
      if (kind === 'marketing' && m >= driftM && driftRng.chance(DRIFT.newLeadSourceShare)) leadSource = DRIFT.newLeadSource;

      oppCount++;
      const oppId = `OPP-${String(oppCount).padStart(oppWidth, '0')}`;
      const fxMonth = closeDay !== null ? A0 + closeM : abs;
      ow.row([
        oppId, account.id, dateString(createdDay), closeDay === null ? null : dateString(closeDay), stage,
        money(acvUsd, account.currency, fxMonth), account.currency, leadSource, product,
      ]);
      if (createdDay < account.firstDay) account.firstDay = createdDay;
      if (stage === 'won') newContract(account, closeDay!, acvUsd, product, oppId);
    }

    // Touches that belong to no journey, on any account (most never buy).
    const noiseWeights = (Object.keys(NOISE_SHARE) as Channel[]).map((c) => {
      const ch = demand.channels.find((x) => x.channel === c);
      return ch ? (NOISE_SHARE[c] * ch.spendUsd[m]) / meanSpend(c) : NOISE_SHARE[c];
    });
    const noiseChannels = Object.keys(NOISE_SHARE) as Channel[];
    const noise = touchRng.poisson(NOISE_TOUCHES_PER_1K * scale);
    for (let i = 0; i < noise; i++) {
      const account = accounts[touchRng.int(0, n - 1)];
      touch(account, noiseChannels[touchRng.weighted(noiseWeights)], minutesAt(dayOf(abs, touchRng.int(1, dim))));
    }
    await Promise.all([tw.maybeFlush(), ow.maybeFlush()]);
  }

  const live = await writeContractsAndInvoices(frame, book, accounts, fx, writers.contracts, writers.invoices);
  await writeUsage(frame, accounts, usage, live, writers.usage);
  await writeAccounts(frame, accounts, driftRng, writers.accounts);

  await Promise.all(Object.values(writers).map((w) => w.close()));

  const rows = rowCounts(writers);
  const truth = buildTruth(frame, { demand, visibleSpendUsd, book, experiments, rows });
  const truthFile = join(opts.outDir, 'truth.json');
  await writeFile(truthFile, JSON.stringify(truth, null, 1) + '\n');

  const files: GeneratedFile[] = FILE_KEYS.map((k) => ({ name: k, file: writers[k].fileName, rows: writers[k].rows }));
  if (experiments) files.push({ name: 'experiments', file: 'experiments.csv', rows: experiments.length });
  return {
    outDir: opts.outDir,
    seed,
    accounts: n,
    months: [monthString(A0), monthString(endMonth)],
    files,
    rows: Object.fromEntries(files.map((f) => [f.name, f.rows])),
    truthFile,
  };
}

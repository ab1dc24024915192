import type { Account, AccountSampler } from './accounts';
import { dateString, dayOf, daysInMonth } from './calendar';
import type { CsvWriter } from './csv';
import { DRIFT } from './drift';
import type { DropFrame } from './frame';
import type { Fx } from './fx';
import { drawJourney, journeyMix, writeNoiseTouches } from './journeys';
import type { JourneyMix, OppKind, Touches } from './journeys';
import type { DemandModel } from './marketing';
import { ACCOUNT_PROPENSITY, BASE, PRODUCTS, SEGMENT_LIST, SEGMENT_PARAMS } from './params';
import type { Channel } from './params';
import type { Rng } from './rng';
import { drawAcv } from './signing';
import type { Book, UsageProcess } from './contracts';
import type { Sign } from './signing';

/** The named streams the month loop draws from; `contracts` is the signer's, `drift` is shared with accounts.csv. */
export interface OpportunityStreams {
  opportunities: Rng;
  touchpoints: Rng;
  drift: Rng;
}

export interface OpportunityWorld {
  demand: DemandModel;
  fx: Fx;
  accounts: Account[];
  sampler: AccountSampler;
  touches: Touches;
  sign: Sign;
  book: Book;
  usage: UsageProcess;
  ow: CsvWriter;
  tw: CsvWriter;
}

/**
 * opportunities.csv and touchpoints.csv, month by month: each month's
 * opportunities are drawn from the planted demand (baseline plus each
 * channel's caused rate), each on an account drawn by its weight (with the
 * month's upsell boost), each with its journey of touches; won ones sign a
 * contract. Then the month's noise touches.
 */
export async function writeOpportunities(frame: DropFrame, world: OpportunityWorld, streams: OpportunityStreams): Promise<void> {
  const { months } = frame;
  const { demand, ow, tw } = world;
  const oppWidth = Math.max(6, String(Math.round(frame.accountCount * 4)).length);
  let oppCount = 0;
  for (let m = 0; m < months; m++) {
    world.sampler.boost(upsellBoost(frame, world.book, world.usage, m));
    const comps = [demand.baseline[m], ...demand.channels.map((c) => c.lambda[m])];
    const total = comps.reduce((s, x) => s + x, 0);
    const count = streams.opportunities.poisson(total);
    const mix = journeyMix(frame, demand, m);
    for (let i = 0; i < count; i++) {
      oppCount++;
      writeOpportunity(frame, world, streams, mix, comps, m, `OPP-${String(oppCount).padStart(oppWidth, '0')}`);
    }
    writeNoiseTouches(frame, demand, streams.touchpoints, world.touches, world.accounts, m);
    await Promise.all([tw.maybeFlush(), ow.maybeFlush()]);
  }
}

/**
 * Each account's weight multiplier in window month m: exp(customerUsageTrend
 * × its usage trend) for an account holding a live contract mid-month (a
 * customer whose usage grows buys more: seats, products), 1 for the others.
 * A multiplier of the weights, not a draw, so the stream draws what it drew.
 */
export function upsellBoost(frame: DropFrame, book: Book, usage: UsageProcess, m: number): Float64Array {
  const day = dayOf(frame.firstMonth + m, 15);
  const boost = new Float64Array(frame.accountCount).fill(1);
  for (const c of book.contracts) {
    if (c.startDay <= day && c.endDay > day) boost[c.account] = Math.exp(ACCOUNT_PROPENSITY.customerUsageTrend * usage.trend(c.account, m));
  }
  return boost;
}

/** Draws one opportunity created in window month m (its cause, account, dates, outcome and amount), its journey and lead source, and writes it. */
function writeOpportunity(
  frame: DropFrame, world: OpportunityWorld, streams: OpportunityStreams, mix: JourneyMix, comps: number[], m: number, oppId: string,
): void {
  const { months, firstMonth: A0, driftM, knobs } = frame;
  const { demand, accounts, sampler } = world;
  const oppRng = streams.opportunities;
  const abs = A0 + m;
  const cause = oppRng.weighted(comps);
  let kind: OppKind;
  let causal: Channel | null = null;
  let segmentMix = BASE.mix;
  if (cause === 0) {
    const r = oppRng.next();
    kind = r < BASE.marketingShare ? 'marketing' : r < BASE.marketingShare + BASE.salesOutboundShare ? 'sales' : 'partner';
  } else {
    const ch = demand.channels[cause - 1];
    causal = ch.channel;
    kind = causal === 'partner' ? 'partner' : 'marketing';
    segmentMix = ch.params.mix;
  }
  const account = accounts[sampler.draw(oppRng, oppRng.weighted(segmentMix))];
  const seg = SEGMENT_PARAMS[SEGMENT_LIST[account.segment]];
  const createdDay = dayOf(abs, oppRng.int(1, daysInMonth(abs)));
  const closeM = m + oppRng.weighted(seg.cycle);
  const won = oppRng.chance(seg.winRate);
  const closed = closeM <= months - 1;
  const stage = closed ? (won ? 'won' : 'lost') : 'open';
  const closeDay = closed ? dayOf(A0 + closeM, oppRng.int(1, daysInMonth(A0 + closeM))) : null;
  const acvUsd = drawAcv(oppRng, account) * (closeM >= driftM ? DRIFT.dealSizeFactor : 1);
  const product = oppRng.chance(0.05) ? null : oppRng.pick(PRODUCTS);

  const journey = drawJourney(frame, streams.touchpoints, world.touches, mix, kind, causal, createdDay);
  for (const [t, c] of journey.touches) world.touches.write(account, c, t);

  // Marketing-sourced leads are credited to whichever channel captured them, often a harvest one.
  let leadSource: string | null = null;
  if (kind === 'marketing') leadSource = causal && !knobs?.harvestLastTouch && oppRng.chance(0.45) ? causal : journey.lastHarvest;
  if (kind === 'marketing' && m >= driftM && streams.drift.chance(DRIFT.newLeadSourceShare)) leadSource = DRIFT.newLeadSource;

  const fxMonth = closeDay !== null ? A0 + closeM : abs;
  world.ow.row([
    oppId, account.id, dateString(createdDay), closeDay === null ? null : dateString(closeDay), stage,
    world.fx.money(acvUsd, account.currency, fxMonth), account.currency, leadSource, product,
  ]);
  if (createdDay < account.firstDay) account.firstDay = createdDay;
  if (stage === 'won') world.sign(account, closeDay!, acvUsd, product, oppId);
}

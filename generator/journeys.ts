import type { Account } from './accounts';
import { dateString, dayOf, daysInMonth, timestampString } from './calendar';
import type { CsvWriter } from './csv';
import type { DropFrame } from './frame';
import type { ChannelModel, DemandModel } from './marketing';
import { PAID_CHANNELS } from './params';
import type { Channel } from './params';
import type { Rng } from './rng';

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
const HARVEST_CHANNELS: Channel[] = ['paid_search', 'email', 'organic', 'sdr_outbound'];

export type OppKind = 'marketing' | 'sales' | 'partner';

/** Mean monthly spend in USD a paid channel's budget plans at this scale. */
export const meanSpend = (frame: DropFrame, c: Channel) => (PAID_CHANNELS[c]!.budgetPer1k * frame.scale);

/**
 * touchpoints.csv: every touch draws its kind, contact, campaign and stamp
 * from one stream ("touchpoints"), the same stream the journeys' timing and
 * the noise touches draw from, in the order they are written.
 */
export class Touches {
  private count = 0;

  constructor(private readonly rng: Rng, private readonly w: CsvWriter) {}

  write(account: Account, channel: Channel, utcMinutes: number): void {
    const r = this.rng;
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
    this.count++;
    this.w.row([`TP-${String(this.count).padStart(9, '0')}`, account.id, contact, channel, campaign, ts, kind]);
    // A date-only stamp means midnight UTC, so the account must exist by that day.
    if (day < account.firstDay) account.firstDay = day;
  }

  /** A minute of the working day (08:00-19:59 UTC) on this day. */
  minutesAt(day: number): number {
    return day * 1440 + this.rng.int(8 * 60, 19 * 60 + 59);
  }
}

/** The channels a month's journeys draw their incidental and harvest touches from, weighted by that month's spend. */
export interface JourneyMix {
  harvestWeights: number[];
  demandChannels: ChannelModel[];
  incidentalWeights: number[];
  anyIncidental: boolean;
}

export function journeyMix(frame: DropFrame, demand: DemandModel, m: number): JourneyMix {
  const psRatio = meanSpend(frame, 'paid_search') > 0 ? demand.channels.find((c) => c.channel === 'paid_search')!.spendUsd[m] / meanSpend(frame, 'paid_search') : 0;
  const demandChannels = demand.channels.filter((c) => c.params.role === 'demand' && c.channel !== 'partner');
  const incidentalWeights = demandChannels.map((c) => c.spendUsd[m]);
  return {
    harvestWeights: [0.45 * psRatio, 0.25, 0.2, 0.1],
    demandChannels,
    incidentalWeights,
    anyIncidental: incidentalWeights.some((w) => w > 0),
  };
}

export interface Journey {
  /** [UTC minute, channel], in time order. */
  touches: [number, Channel][];
  /** The latest harvest touch's channel, which a marketing lead is often credited to. */
  lastHarvest: Channel | null;
}

/** The journey before an opportunity's creation: the cause early, harvest touches right before it. */
export function drawJourney(
  frame: DropFrame, touchRng: Rng, touches: Touches, mix: JourneyMix, kind: OppKind, causal: Channel | null, createdDay: number,
): Journey {
  const knobs = frame.knobs;
  const minutesAt = (day: number) => touches.minutesAt(day);
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
  if (mix.anyIncidental && touchRng.chance(0.35)) {
    const c = mix.demandChannels[touchRng.weighted(mix.incidentalWeights)].channel;
    journey.push([minutesAt(createdDay - touchRng.int(10, 150)), c]);
  }
  let lastHarvest: Channel | null = null;
  // Knob harvestLastTouch: every journey, whatever started it, ends on harvest touches.
  if (kind === 'marketing' || knobs?.harvestLastTouch) {
    const k = touchRng.int(1, 3);
    let latest = -Infinity;
    for (let j = 0; j < k; j++) {
      const c = HARVEST_CHANNELS[touchRng.weighted(mix.harvestWeights)];
      const t = minutesAt(createdDay - touchRng.int(1, 21));
      journey.push([t, c]);
      if (t > latest) {
        latest = t;
        lastHarvest = c;
      }
    }
  }
  journey.sort((a, b) => a[0] - b[0]);
  return { touches: journey, lastHarvest };
}

/** Touches that belong to no journey, on any account (most never buy), in window month m. */
export function writeNoiseTouches(frame: DropFrame, demand: DemandModel, touchRng: Rng, touches: Touches, accounts: readonly Account[], m: number): void {
  const abs = frame.firstMonth + m;
  const dim = daysInMonth(abs);
  const noiseWeights = (Object.keys(NOISE_SHARE) as Channel[]).map((c) => {
    const ch = demand.channels.find((x) => x.channel === c);
    return ch ? (NOISE_SHARE[c] * ch.spendUsd[m]) / meanSpend(frame, c) : NOISE_SHARE[c];
  });
  const noiseChannels = Object.keys(NOISE_SHARE) as Channel[];
  const noise = touchRng.poisson(NOISE_TOUCHES_PER_1K * frame.scale);
  for (let i = 0; i < noise; i++) {
    const account = accounts[touchRng.int(0, frame.accountCount - 1)];
    touches.write(account, noiseChannels[touchRng.weighted(noiseWeights)], touches.minutesAt(dayOf(abs, touchRng.int(1, dim))));
  }
}

/**
 * Knobs that make a generated world hard for causal inference the ways real
 * data is: each one switches on a property that confounds, hides or starves
 * the media-mix model. All are off by default, and with all off the generator
 * draws exactly the numbers it always drew (existing drops stay byte-identical).
 * The knobs in force are recorded in truth.json (`world`).
 *
 * @example
 *   generateDrop({ outDir, seed: 3, world: { sharedBudget: true, nullChannel: 'display' } });
 */
import { CHANNELS, PAID_CHANNELS } from './params';
import type { Channel, PaidChannelParams } from './params';

export interface WorldKnobs {
  /** Every paid channel's spend is a fixed share of one monthly total: the series move together. */
  sharedBudget?: boolean;
  /** Every paid channel spends more in the high season, when baseline demand is high anyway. */
  demandFollowing?: boolean;
  /** Adstock carry-over of at least LONG_CARRYOVER_DECAY: a month's spend acts for many months. */
  longCarryover?: boolean;
  /** Hill half-saturation at SATURATED_HALF of the budget's steady adstock: current spend is on the flat part. */
  saturated?: boolean;
  /** Spend barely varies: a fifth of the usual noise, no bursts, no pauses, no flagship-event months. */
  lowVariation?: boolean;
  /** Harvest channels take the last touch and the lead source of every journey, whatever caused it; most of the cause's own touches go unrecorded. */
  harvestLastTouch?: boolean;
  /** A demand channel that keeps its spend and touches but causes nothing. */
  nullChannel?: Channel;
  /** Lift tests (experiments.csv) on exactly these paid channels, in this order. */
  liftTests?: Channel[];
}

const LONG_CARRYOVER_DECAY = 0.85;
const SATURATED_HALF = 0.25;
const LOW_VARIATION_NOISE = 0.2;

/** The names of the knobs that are on, for tables and file names. */
export function knobNames(k: WorldKnobs | undefined): string[] {
  if (!k) return [];
  const names: string[] = [];
  for (const key of ['sharedBudget', 'demandFollowing', 'longCarryover', 'saturated', 'lowVariation', 'harvestLastTouch'] as const) {
    if (k[key]) names.push(key);
  }
  if (k.nullChannel) names.push('nullChannel');
  if (k.liftTests?.length) names.push('liftTests');
  return names;
}

/** Refuses knobs that name a channel the world does not spend on (a typo would silently plant nothing). */
export function checkKnobs(k: WorldKnobs): void {
  const paid = (c: string) => (CHANNELS as readonly string[]).includes(c) && PAID_CHANNELS[c as Channel] !== undefined;
  if (k.nullChannel !== undefined) {
    if (!paid(k.nullChannel) || PAID_CHANNELS[k.nullChannel]!.role !== 'demand') {
      throw new Error(`nullChannel must be a paid demand channel, got ${k.nullChannel}`);
    }
  }
  for (const c of k.liftTests ?? []) if (!paid(c)) throw new Error(`liftTests: ${c} is not a paid channel`);
  if (k.liftTests && new Set(k.liftTests).size !== k.liftTests.length) throw new Error('liftTests: a channel is listed twice');
}

/** A paid channel's generating parameters under the knobs (the planted response curve changes with them). */
export function worldParams(c: Channel, p: PaidChannelParams, k: WorldKnobs | undefined): PaidChannelParams {
  if (!k) return p;
  let q = p;
  if (k.longCarryover) q = { ...q, decay: Math.max(q.decay, LONG_CARRYOVER_DECAY) };
  if (k.saturated) q = { ...q, halfSaturation: SATURATED_HALF };
  if (k.lowVariation) q = { ...q, noise: q.noise * LOW_VARIATION_NOISE };
  if (k.nullChannel === c) q = { ...q, targetRoi: 0 };
  return q;
}

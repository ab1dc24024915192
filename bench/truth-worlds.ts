/**
 * The world suite of the truth bench: one group per knob of
 * generator/world-knobs.ts (plus a 24-month history and a plain world to
 * compare with, and one with every knob at once), each generated at a few
 * seeds. A group's name is the row of the bench's table.
 */
import type { Channel } from '../generator/params';
import type { WorldKnobs } from '../generator/world-knobs';

export interface WorldSpec {
  group: string;
  seed: number;
  months: number;
  knobs: WorldKnobs;
}

/** Demand channels a null-channel world silences, taken in turn by seed so no one channel decides the row. */
const NULL_CHANNELS: Channel[] = ['display', 'webinar', 'content', 'paid_social', 'event', 'partner'];
/** Lift tests on a strong, a weak and a harvest channel (which should measure about nothing). */
const LIFT_TESTS: Channel[] = ['event', 'display', 'paid_search'];

const GROUPS: { group: string; months?: number; knobs: (i: number) => WorldKnobs }[] = [
  { group: 'plain', knobs: () => ({}) },
  { group: 'sharedBudget', knobs: () => ({ sharedBudget: true }) },
  { group: 'demandFollowing', knobs: () => ({ demandFollowing: true }) },
  { group: 'longCarryover', knobs: () => ({ longCarryover: true }) },
  { group: 'saturated', knobs: () => ({ saturated: true }) },
  { group: 'shortHistory', months: 24, knobs: () => ({}) },
  { group: 'lowVariation', knobs: () => ({ lowVariation: true }) },
  { group: 'harvestLastTouch', knobs: () => ({ harvestLastTouch: true }) },
  { group: 'nullChannel', knobs: (i) => ({ nullChannel: NULL_CHANNELS[i % NULL_CHANNELS.length] }) },
  { group: 'liftTests', knobs: () => ({ liftTests: LIFT_TESTS }) },
  {
    group: 'everything', months: 24,
    knobs: (i) => ({
      sharedBudget: true, demandFollowing: true, longCarryover: true, saturated: true, lowVariation: true, harvestLastTouch: true,
      nullChannel: NULL_CHANNELS[i % NULL_CHANNELS.length], liftTests: LIFT_TESTS,
    }),
  },
];

export const GROUP_NAMES = GROUPS.map((g) => g.group);

/** `seedsPerGroup` worlds per group, seeds firstSeed, firstSeed + 1, …: the same list on every run. */
export function worldSuite(seedsPerGroup: number, firstSeed: number): WorldSpec[] {
  return GROUPS.flatMap((g) => Array.from({ length: seedsPerGroup }, (_, i) => ({
    group: g.group, seed: firstSeed + i, months: g.months ?? 36, knobs: g.knobs(i),
  })));
}

/**
 * The attribution agreement as a versioned document (policies/attribution.json):
 * which touches count, the lookback, the time-decay half-life, the position
 * weights (and their per-region overrides), the per-deal-size channel weights,
 * which model is the reported one, and the engagement score, MQL threshold
 * and hand-off rule by which marketing passes accounts to sales. A run uses
 * the document in its input (`acvloop run --policy FILE`, stored in
 * `runs.attribution_policy`) or the default file, and records
 * `{ version, sha256 }` of what it used.
 * This module takes the parsed document: config/attribution-policy.ts reads
 * the file.
 *
 * What each field does to the credit (attribution-acv/ applies them):
 * - `touchpoints`: a touch counts when its kind is in `kinds`, its channel is
 *   in `includeChannels` (null: every channel) and not in `excludeChannels`.
 *   Touches that do not count are removed before journeys are built, so a
 *   deal whose touches are all excluded is credited to '(none)'.
 * - `lookbackDays`: touches older than this before the deal do not count.
 * - `halfLifeDays`: time decay weighs a touch 2^(-age/halfLife), normalised.
 * - `position`: first / middle (split equally) / last shares, sum 1.
 * - `positionByRegion`: region -> position shares used instead of `position`
 *   for deals whose account is in that region.
 * - `dealSizeBands`: bands by increasing `minAcvUsd`; a deal whose ACV is at
 *   least a band's minimum (and below the next one's) has each touch's
 *   rule-based weight multiplied by `channelWeights[channel]` (default 1),
 *   then normalised to 1: with weights {event: 3}, an event touch counts three
 *   times a touch of another channel. First and last touch are unchanged.
 * - `reportedModel`: the headline attribution (show, disputes, and the credit
 *   printed beside the media-mix model's incremental ACV).
 * Bands and regions shape the rule-based models; Markov and Shapley learn
 * their credit from the (filtered, looked-back) journeys.
 *
 * What `engagement` does (models/accounts/engagement.ts applies it; it leaves
 * the credit alone, and `touchpoints` does not filter it):
 * - `halfLifeDays`: a touch's engagement halves every this many days, as of
 *   the end of the as-of day.
 * - `lookbackDays`: touches older than this at the as-of date (at each touch,
 *   when walking the crossings) count nothing; at least `halfLifeDays`.
 * - `weights`: a touch weighs `byKind[kind] × (byChannel[channel] ?? 1)`;
 *   weights are ≥ 0 (0 leaves a kind or channel out).
 * - `mqlThreshold`: an account (or contact) whose score at the as-of date is
 *   at least this is an MQL; the account's last upward crossing is its MQL date.
 * - `handoff.acceptWithinDays`: the crossing is accepted by sales when an
 *   opportunity of the account is created within this many days after it,
 *   pending while fewer days have passed at the as-of date, not accepted after.
 *
 * The hash covers the rules with their defaults filled in, not the
 * description, as canonical JSON (keys sorted, no spaces): two files that say
 * the same thing have the same hash, and any change of rule changes it.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AcvAttributionOptions } from './attribution-acv';
import { PATH_MODELS } from './attribution-paths';

const TOUCH_KINDS = ['online', 'offline'] as const;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

const PositionWeights = z.object({
  first: z.number().min(0),
  middle: z.number().min(0),
  last: z.number().min(0),
}).strict().superRefine((p, ctx) => {
  const sum = p.first + p.middle + p.last;
  if (Math.abs(sum - 1) > 1e-9) ctx.addIssue({ code: 'custom', message: `first + middle + last must be 1, got ${sum}` });
  if (!(p.first + p.last > 0)) ctx.addIssue({ code: 'custom', message: 'first + last must be > 0 (a two-touch journey is split first : last)' });
});

const DealSizeBand = z.object({
  name: z.string().trim().min(1),
  minAcvUsd: z.number().min(0),
  channelWeights: z.record(z.string().min(1), z.number().positive()).default({}),
}).strict();

/**
 * Defaults read against the generator's world (generator/journeys.ts): an
 * account heading for an opportunity gets 2-8 journey touches in the 150 days
 * before it is created, most of them (harvest, SDR) in the last 45 days and
 * the causing campaign's 15-120 days before; any account gets a stray noise
 * touch about every 20 months. A half-life of 45 days keeps such a run-up
 * together while a lone touch of last quarter fades below half; a year of
 * lookback drops only what weighs 0.5^(365/45) < 0.4% anyway. Offline touches
 * (an attended event or webinar, an SDR conversation) weigh 2: they take a
 * person's time, a click does not. A threshold of 3 takes about four online
 * touches of the last month, or two offline ones and a click: one stray touch
 * never reaches it. On generated worlds (3,000 accounts, 36 months, seeds 11 and 23,
 * five quarter ends) this makes 7% of accounts MQLs; 73% of them open an
 * opportunity within three months against 15% of the others (4.8x), and 82%
 * of crossings are accepted within 30 days: a month is enough for sales to
 * open an opportunity on an account it takes up, so a later one is not the
 * hand-off's.
 */
const EngagementPolicy = z.object({
  halfLifeDays: z.number().positive().default(45),
  lookbackDays: z.number().positive().default(365),
  weights: z.object({
    byKind: z.object({
      online: z.number().min(0).default(1),
      offline: z.number().min(0).default(2),
    }).strict().prefault({}),
    byChannel: z.record(z.string().min(1), z.number().min(0)).default({}),
  }).strict().prefault({}),
  mqlThreshold: z.number().positive().default(3),
  handoff: z.object({
    acceptWithinDays: z.number().int().positive().default(30),
  }).strict().prefault({}),
}).strict().superRefine((e, ctx) => {
  if (e.lookbackDays < e.halfLifeDays) {
    ctx.addIssue({ code: 'custom', path: ['lookbackDays'], message: `lookbackDays (${e.lookbackDays}) must be at least halfLifeDays (${e.halfLifeDays}): a shorter lookback drops touches that still weigh more than half` });
  }
});
export type EngagementPolicy = z.infer<typeof EngagementPolicy>;

export const AttributionPolicy = z.object({
  version: z.string().regex(SEMVER, 'a version like 1.0.0'),
  description: z.string().optional(),
  touchpoints: z.object({
    kinds: z.array(z.enum(TOUCH_KINDS)).min(1).default([...TOUCH_KINDS]),
    includeChannels: z.array(z.string().min(1)).min(1).nullable().default(null),
    excludeChannels: z.array(z.string().min(1)).default([]),
  }).strict().prefault({}),
  lookbackDays: z.number().positive().default(180),
  halfLifeDays: z.number().positive().default(30),
  markovOrder: z.number().int().min(1).max(4).default(1),
  position: PositionWeights.default({ first: 0.4, middle: 0.2, last: 0.4 }),
  positionByRegion: z.record(z.string().min(1), PositionWeights).default({}),
  dealSizeBands: z.array(DealSizeBand).default([]).superRefine((bands, ctx) => {
    const names = new Set<string>();
    bands.forEach((b, i) => {
      if (i > 0 && !(b.minAcvUsd > bands[i - 1].minAcvUsd)) {
        ctx.addIssue({ code: 'custom', path: [i, 'minAcvUsd'], message: `bands must be listed by increasing minAcvUsd (${b.minAcvUsd} after ${bands[i - 1].minAcvUsd})` });
      }
      if (names.has(b.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `band ${b.name} is listed twice` });
      names.add(b.name);
    });
  }),
  reportedModel: z.enum(PATH_MODELS).default('linear'),
  engagement: EngagementPolicy.prefault({}),
}).strict();
export type AttributionPolicy = z.infer<typeof AttributionPolicy>;

/** A validated policy, its content hash and where it came from. */
export interface LoadedPolicy {
  policy: AttributionPolicy;
  version: string;
  /** sha256 of the canonical JSON of the rules (defaults filled, description left out). */
  sha256: string;
  /** `version@` and the first 12 hex digits of sha256, e.g. 1.0.0@3f2a…: what a run records and shows. */
  policyVersion: string;
  source: string;
}

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Validates a policy document (parsed JSON); `source` names it in errors.
 *
 * @example
 * parseAttributionPolicy({ version: '1.0.0' }, 'inline').policy.lookbackDays; // 180
 */
export function parseAttributionPolicy(doc: unknown, source: string): LoadedPolicy {
  const parsed = AttributionPolicy.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  const policy = parsed.data;
  const { description: _description, ...rules } = policy;
  const sha256 = createHash('sha256').update(canonicalJson(rules)).digest('hex');
  return { policy, version: policy.version, sha256, policyVersion: `${policy.version}@${sha256.slice(0, 12)}`, source };
}

/** The options of attributeAcv that carry out a policy. */
export function attributionOptions(policy: AttributionPolicy): Required<Omit<AcvAttributionOptions, 'models' | 'windows' | 'windowModel'>> {
  return {
    lookbackDays: policy.lookbackDays,
    halfLifeDays: policy.halfLifeDays,
    markovOrder: policy.markovOrder,
    touchFilter: policy.touchpoints,
    positionWeights: policy.position,
    positionByRegion: policy.positionByRegion,
    dealSizeBands: policy.dealSizeBands,
  };
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DURATION_PATTERN, durationToMs } from '../lib/duration';
import { DEFAULT_SCORE_SHARDS } from '../lib/shards';
import type { DriftThresholds } from '../models/drift';
import { DEFAULT_KPI_THRESHOLDS } from '../models/kpi';

/**
 * The operator's config file (`--config FILE` or `ACVLOOP_CONFIG`): who may
 * decide, how many must, the backtest gate's and drift's thresholds, the
 * KPI bands, the budget guardrails, reminders and the schedule. Every section is optional;
 * what is left out takes the defaults below. A run records the config it
 * started with (in its input and in `runs.config`), so a change to the file
 * never changes a run already under way.
 */
const duration = z.string().regex(DURATION_PATTERN, 'a duration like 7d, 12h, 30m or 90s')
  // A zero timeout would expire a gate the moment it opens; one under half a millisecond is zero once rounded.
  .refine((v) => durationToMs(v) !== 0, 'must be longer than 0');

export const reviewerSchema = z.object({
  name: z.string().trim().min(1),
  roles: z.array(z.enum(['approver', 'viewer'])).min(1),
  /** sha256 (hex) of the reviewer's token for `acvloop serve` (`acvloop token NAME` makes one); the token itself is never stored. */
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'the sha256 of a token, 64 lower-case hex digits').optional(),
}).strict();

/** What a reviewer's `tokenSha256` holds for a token: its sha256, in lower-case hex. */
export const tokenSha256 = (token: string): string => createHash('sha256').update(token).digest('hex');

export const configSchema = z.object({
  reviewers: z.array(reviewerSchema).default([]),
  approvals: z.object({
    /** Distinct approvers a run needs. */
    required: z.number().int().min(1).default(1),
    /** A budget that moves more than `share` of the total spend needs `required` distinct approvers. */
    // The default share is the budget guardrail (each channel within ±20%), so by default only a looser budget policy needs a second approver.
    largeBudgetMove: z.object({ share: z.number().min(0).max(1).default(0.2), required: z.number().int().min(1).default(2) }).strict().prefault({}),
    timeout: duration.default('7d'),
    /** A reminder is logged, audited (and POSTed to the webhook) this long before the gate expires. */
    remindBefore: duration.default('24h'),
    webhook: z.string().url().optional(),
  }).strict().prefault({}),
  gate: z.object({
    /** Absolute thresholds a challenger must meet. */
    forecastMapeMax: z.number().positive().default(0.5),
    forecastCoverage80Min: z.number().min(0).max(1).default(0.5),
    renewalBrierMax: z.number().positive().default(0.25),
    renewalAucMin: z.number().min(0).max(1).default(0.55),
    /** Accounts: the win propensity's AUC on the time split (the accounts that won a deal in the 6 months after the cut). */
    accountsWinAucMin: z.number().min(0).max(1).default(0.6),
    /** Accounts: the top tenth by expected new ACV's share of the new ACV won after the cut, over its share of the accounts (1 is chance). */
    accountsTopDecileLiftMin: z.number().min(0).default(2),
    /** Spearman correlation of channel credit with the champion's, when there is one. */
    attributionStabilityMin: z.number().min(-1).max(1).default(0.5),
    /** How much better than the champion (relative, on the primary metrics) a challenger must be; 0 means "no worse". */
    minRelativeImprovement: z.number().min(-1).max(1).default(0),
    /** Whether a challenger must also beat a baseline champion (a trailing mean, the renewal rate) or only fitted champions. */
    relativeAgainstBaseline: z.boolean().default(false),
    /** An incrementality interval whose upper ROI passes this is absurd (a health check). */
    maxPlausibleRoi: z.number().positive().default(50),
  }).strict().prefault({}),
  drift: z.object({
    psiWarn: z.number().positive().default(0.1),
    psiDrift: z.number().positive().default(0.25),
    /** p-value under which a KS or chi-square test calls a feature drifted (samples up to 1000 rows). */
    pValue: z.number().positive().max(1).default(0.05),
    /** Wasserstein (in standard deviations) or Jensen-Shannon distance over which a feature drifted (larger samples). */
    distance: z.number().positive().default(0.1),
    /** A source drifted when this share of its features drifted. */
    shareDrifted: z.number().min(0).max(1).default(0.5),
    /** A row count this many standard deviations from the earlier runs' is an anomaly. */
    rowCountZ: z.number().positive().default(3),
  }).strict().prefault({}) satisfies z.ZodType<DriftThresholds>,
  kpi: z.object({
    /**
     * ACV per marketing lead (USD) at or above `strong` is strong, at or above
     * `moderate` moderate, below it underperforming. The defaults are the
     * seed's, far above most companies' scale; a company sets its own.
     */
    bands: z.object({
      strong: z.number().positive().default(DEFAULT_KPI_THRESHOLDS.strong),
      moderate: z.number().min(0).default(DEFAULT_KPI_THRESHOLDS.moderate),
    }).strict().superRefine((b, ctx) => {
      if (b.moderate > b.strong) ctx.addIssue({ code: 'custom', path: ['moderate'], input: b.moderate, message: `must not exceed strong (${b.strong})` });
    }).prefault({}),
  }).strict().prefault({}),
  budget: z.object({
    recentMonths: z.number().int().min(1).default(3),
    maxChange: z.number().min(0).max(1).default(0.2),
    uncertaintyPenalty: z.number().min(0).default(0),
    /** A channel the media-mix model cannot identify (collinear, flat or short spend) moves at most this fraction of its current spend (default 0: held where it is). */
    unidentifiedMaxChange: z.number().min(0).max(1).default(0),
    /** A reallocation moves money only as far as this share of the model's draws agree it gains (models/budget/ `minConfidence`). */
    minConfidence: z.number().min(0).max(1).default(0.8),
  }).strict().prefault({}),
  serve: z.object({
    /** Behind a proxy that authenticates (e.g. OIDC): the header carrying the reviewer's name, trusted only from these addresses. */
    identityHeader: z.string().min(1).optional(),
    trustedProxies: z.array(z.string().min(1)).default([]),
    /** Failed sign-ins a client address may make within `window`; past that, token checks from it answer 429 until the oldest failure leaves the window. */
    signInFailures: z.object({ max: z.number().int().min(1).default(5), window: duration.default('15m') }).strict().prefault({}),
  }).strict().prefault({}),
  accounts: z.object({
    /** Score each account, or each family of subsidiaries under its top parent (its members' expected ACVs summed). */
    level: z.enum(['account', 'family']).default('account'),
    /** Tier cut points: shares of the accounts ranked by expected ACV (new plus expansion), or expected-ACV thresholds in USD. */
    tiers: z.discriminatedUnion('by', [
      z.object({ by: z.literal('share'), tier1: z.number().min(0).max(1), tier2: z.number().min(0).max(1) }).strict()
        .refine((t) => t.tier1 + t.tier2 <= 1, 'tier1 + tier2 must be at most 1'),
      z.object({ by: z.literal('acv'), tier1MinUsd: z.number().min(0), tier2MinUsd: z.number().min(0) }).strict()
        .refine((t) => t.tier1MinUsd >= t.tier2MinUsd, 'tier1MinUsd must be at least tier2MinUsd'),
    ]).default({ by: 'share', tier1: 0.1, tier2: 0.3 }),
  }).strict().prefault({}),
  finance: z.object({
    /** An unpaid invoice without a due date is overdue this many days after it was issued (one with due_at, once past it). */
    overdueDays: z.number().int().min(1).default(60),
  }).strict().prefault({}),
  scale: z.object({
    /** Shards a run's contract scoring splits into: activities any worker of the task queue takes (README, "Sizing workers and shards"). */
    scoreShards: z.number().int().min(1).max(256).default(DEFAULT_SCORE_SHARDS),
  }).strict().prefault({}),
  schedule: z.object({
    id: z.string().min(1).default('acvloop-monthly'),
    /** Where a scheduled run finds its drop; `{month}` becomes YYYY-MM of the month before the run. */
    dropPattern: z.string().min(1).refine((p) => p.includes('{month}'), 'has no {month}, so every month would read the same drop').default('drops/{month}'),
    dayOfMonth: z.union([z.number().int().min(1).max(28), z.literal('last-business-day')], { error: 'a day from 1 to 28 or "last-business-day"' }).default(1),
    hour: z.number().int().min(0).max(23).default(2),
    minute: z.number().int().min(0).max(59).default(0),
    timeZone: z.string().min(1).refine(isTimeZone, 'is not an IANA time zone (e.g. UTC, Europe/Berlin)').default('UTC'),
    catchupWindow: duration.default('30d'),
  }).strict().prefault({}),
}).strict();

export type AcvloopConfig = z.infer<typeof configSchema>;
export type Reviewer = z.infer<typeof reviewerSchema>;

export const DEFAULT_CONFIG: AcvloopConfig = configSchema.parse({});

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

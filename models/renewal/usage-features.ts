/** The usage measures of many contracts at once, account by account, computing only those a model reads. */
import type { RenewalContract, RenewalFeatures, RenewalUsage } from './types';
import { denseUsage, latentTrendAt, logUsage, slopeAt, spanOf, trendAt, usageDynamicsOf, usageIndexOf, type UsageIndex } from './usage';

/** Which usage measures to compute: the trend ratio, the log slope, the filtered trend of units and of active users. */
export interface UsageReads {
  ratio: boolean;
  slope: boolean;
  units: boolean;
  users: boolean;
}

export const ALL_USAGE: UsageReads = { ratio: true, slope: true, units: true, users: true };
export const NO_USAGE: UsageReads = { ratio: false, slope: false, units: false, users: false };

/**
 * The usage measures a renewal model reads, as the registry stores it (a
 * fitted model's params, or the baseline's `{ kind: 'baseline_rate' }`), read
 * as predictRenewal reads them. A refit of its specification
 * (renewalSpecOf, fitRenewalSpec) reads the same ones.
 *
 * @example
 * usageReadBy({ kind: 'baseline_rate' }); // NO_USAGE
 * usageReadBy(latentTrendModel); // { ratio: false, slope: false, units: true, users: true } when it has useUsers
 */
export function usageReadBy(params: unknown): UsageReads {
  const m = params as { kind?: string; useUsage?: boolean; usageMeasure?: string; useUsers?: boolean } | null;
  if (m?.kind !== 'logistic' || !m.useUsage) return NO_USAGE;
  if (m.usageMeasure === 'log-slope') return { ...NO_USAGE, slope: true };
  if (m.usageMeasure === 'latent-trend') return { ...NO_USAGE, units: true, users: Boolean(m.useUsers) };
  return { ...NO_USAGE, ratio: true };
}

/** The measures either of two reads computes. */
export const eitherReads = (a: UsageReads, b: UsageReads): UsageReads =>
  ({ ratio: a.ratio || b.ratio, slope: a.slope || b.slope, units: a.units || b.units, users: a.users || b.users });

export type UsageFeatures = Pick<RenewalFeatures, 'usageTrend'> & Required<Pick<RenewalFeatures, 'usageSlope' | 'usageLatentTrend' | 'usersLatentTrend'>>;

const NONE: UsageFeatures = { usageTrend: null, usageSlope: null, usageLatentTrend: null, usersLatentTrend: null };

/**
 * The usage features of each contract at its reference month (`refs[i]`, a
 * month index): an account's months are laid out once for all its
 * contracts, and its filtered trend at a month is computed once for the
 * contracts that share it. Measures not in `reads` are null, and the
 * filter's dynamics are fitted only when a filtered trend is read.
 */
export function usageFeaturesOf(
  contracts: readonly Pick<RenewalContract, 'account_id'>[],
  refs: readonly number[],
  usage: readonly RenewalUsage[] | UsageIndex,
  reads: UsageReads,
): UsageFeatures[] {
  const out = new Array<UsageFeatures>(contracts.length).fill(NONE);
  if (!reads.ratio && !reads.slope && !reads.units && !reads.users) return out;
  const index = usageIndexOf(usage);
  const bySlot = new Map<number, number[]>();
  for (let i = 0; i < contracts.length; i++) {
    const s = index.slot.get(contracts[i].account_id);
    if (s === undefined) continue;
    const list = bySlot.get(s);
    if (list) list.push(i);
    else bySlot.set(s, [i]);
  }
  if (bySlot.size === 0) return out;
  const unitsDyn = reads.units ? usageDynamicsOf(index, 'units') : null;
  const usersDyn = reads.users ? usageDynamicsOf(index, 'users') : null;
  const span = spanOf(index);
  const units = new Float64Array(span);
  const unitsLog = new Float64Array(span);
  const users = new Float64Array(span);
  const usersLog = new Float64Array(span);
  const first = index.firstMonth;
  for (const [s, positions] of bySlot) {
    denseUsage(index, s, index.units, units);
    if (unitsDyn) logUsage(units, unitsLog);
    if (usersDyn) logUsage(denseUsage(index, s, index.users!, users), usersLog);
    const latent = new Map<number, [number | null, number | null]>();
    for (const i of positions) {
      const ref = refs[i];
      let trends = latent.get(ref);
      if (!trends) {
        trends = [unitsDyn ? latentTrendAt(unitsLog, first, unitsDyn, ref) : null, usersDyn ? latentTrendAt(usersLog, first, usersDyn, ref) : null];
        latent.set(ref, trends);
      }
      out[i] = {
        usageTrend: reads.ratio ? trendAt(units, first, ref) : null,
        usageSlope: reads.slope ? slopeAt(units, first, ref) : null,
        usageLatentTrend: trends[0],
        usersLatentTrend: trends[1],
      };
    }
  }
  return out;
}

/**
 * What `acvloop generate --drift` changes in the world's last three months,
 * the way a real drift shows up in a CRM and a marketing ledger:
 * - a price rise: deals that close (or would close) from the drift month on
 *   are 1.6 times larger, so new opportunities and new-business contracts
 *   grow while renewals keep their own uplift;
 * - a new lead source: 35% of marketing-sourced leads created from then on
 *   come from `review_site`, a source never seen before;
 * - a spend jump: paid search spend triples; it creates no demand (a harvest
 *   channel) but harvests more of it, so the touchpoints' channel mix moves
 *   towards paid_search as a consequence, not by fiat;
 * - an upmarket move: 80% of the small businesses among accounts created
 *   from then on are booked as mid-market.
 * Each draw comes from its own named stream, and none is taken without
 * --drift, so a drop without it stays byte-identical.
 */
import type { Channel } from './params';

export const DRIFT = {
  months: 3,
  dealSizeFactor: 1.6,
  newLeadSource: 'review_site',
  newLeadSourceShare: 0.35,
  spendChannel: 'paid_search' as Channel,
  spendFactor: 3,
  segmentFrom: 'smb',
  segmentTo: 'mid_market',
  segmentShare: 0.8,
} as const;

export interface DriftTruth {
  from: string;
  features: { source: string; feature: string; change: string }[];
}

/** Scales the drifted channel's planned spend from window month `fromM` on (in place). */
export function applySpendDrift(plan: Map<Channel, number[]>, fromM: number): void {
  const series = plan.get(DRIFT.spendChannel);
  if (!series) throw new Error(`drift: no spend plan for ${DRIFT.spendChannel}`);
  for (let m = fromM; m < series.length; m++) series[m] *= DRIFT.spendFactor;
}

/** truth.json's `drift`: the month it starts and each feature it moves. */
export function driftTruth(from: string): DriftTruth {
  return {
    from,
    features: [
      { source: 'opportunities', feature: 'amount_usd', change: `x${DRIFT.dealSizeFactor} for deals closing from ${from} (open deals created since then included)` },
      { source: 'contracts', feature: 'acv_usd', change: `x${DRIFT.dealSizeFactor} for new-business contracts from deals closing from ${from}; renewals unchanged` },
      { source: 'opportunities', feature: 'lead_source', change: `${DRIFT.newLeadSourceShare * 100}% of marketing-sourced leads created from ${from} come from a new source, ${DRIFT.newLeadSource}` },
      { source: 'spend', feature: 'channel_share', change: `${DRIFT.spendChannel} spend x${DRIFT.spendFactor} from ${from}` },
      { source: 'touchpoints', feature: 'channel', change: `more ${DRIFT.spendChannel} touches: harvest and stray touches follow its tripled spend` },
      { source: 'accounts', feature: 'segment', change: `${DRIFT.segmentShare * 100}% of ${DRIFT.segmentFrom} accounts created from ${from} booked as ${DRIFT.segmentTo}` },
    ],
  };
}

import { monthFromIndex } from '../lib/dates';
import type { CsvWriter } from './csv';
import { applySpendDrift } from './drift';
import type { DropFrame } from './frame';
import type { Fx } from './fx';
import { demandModel, planSpend } from './marketing';
import type { DemandModel } from './marketing';
import type { Channel } from './params';
import { Rng } from './rng';

export interface SpendAndDemand {
  demand: DemandModel;
  /** Window spend per channel in USD as written (after rounding in its currency): what truth.json divides by. */
  visibleSpendUsd: Map<Channel, number>;
}

/**
 * The spend plan (stream "spend"), the planted drift on it, and the demand
 * model it drives; writes spend.csv.
 */
export function writeSpend(frame: DropFrame, fx: Fx, w: CsvWriter): SpendAndDemand {
  const { firstMonth: A0, months, scale, knobs } = frame;
  const spendPlan = planSpend(new Rng(frame.seed, 'spend'), A0, months, scale, knobs);
  if (frame.drift) applySpendDrift(spendPlan, frame.driftM);
  const demand = demandModel(spendPlan, A0, months, scale, knobs);
  const visibleSpendUsd = new Map<Channel, number>();
  for (let m = 0; m < months; m++) {
    for (const ch of demand.channels) {
      const usd = ch.spendUsd[m];
      if (usd <= 0) continue; // paused: no row, which the spec reads as zero
      const ccy = ch.params.currency;
      const amount = fx.money(usd, ccy, A0 + m);
      w.row([monthFromIndex(A0 + m), ch.channel, amount, ccy]);
      visibleSpendUsd.set(ch.channel, (visibleSpendUsd.get(ch.channel) ?? 0) + Number(amount) * fx.rate(ccy, A0 + m));
    }
  }
  return { demand, visibleSpendUsd };
}

import { monthFromIndex } from '../lib/dates';
import type { CsvWriter } from './csv';
import type { DropFrame } from './frame';
import { FX_START, FX_VOL } from './params';
import { Rng } from './rng';
import { r6 } from './round';

/** FX history starts this many months before the window: legacy contracts and their invoices need rates. */
const FX_HISTORY_MONTHS = 36;

export interface Fx {
  /** USD per unit of `ccy` in an absolute month (clamped to the series). */
  rate(ccy: string, absMonth: number): number;
  /** A USD amount as written in `ccy`: whole yen, cents otherwise. */
  money(usd: number, ccy: string, absMonth: number): string;
}

/**
 * FX: a mean-reverting random walk per currency (stream "fx"), from well
 * before the window to its end, written to fx_rates.csv.
 */
export function writeFx(frame: DropFrame, w: CsvWriter): Fx {
  const { endMonth } = frame;
  const fxFirst = frame.firstMonth - FX_HISTORY_MONTHS;
  const fxRng = new Rng(frame.seed, 'fx');
  const fx = new Map<string, number[]>();
  for (const ccy of Object.keys(FX_START)) {
    const series: number[] = [];
    let log = Math.log(FX_START[ccy]);
    for (let a = fxFirst; a <= endMonth; a++) {
      series.push(r6(Math.exp(log)));
      log += 0.05 * (Math.log(FX_START[ccy]) - log) + fxRng.normal(0, FX_VOL[ccy]);
    }
    fx.set(ccy, series);
  }
  const rate = (ccy: string, absMonth: number): number => {
    if (ccy === 'USD') return 1;
    const s = fx.get(ccy)!;
    return s[Math.min(s.length - 1, Math.max(0, absMonth - fxFirst))];
  };
  const money = (usd: number, ccy: string, absMonth: number): string => {
    const local = usd / rate(ccy, absMonth);
    return ccy === 'JPY' ? String(Math.round(local)) : (Math.round(local * 100) / 100).toFixed(2);
  };
  for (let a = fxFirst; a <= endMonth; a++) {
    for (const ccy of ['USD', ...fx.keys()]) w.row([monthFromIndex(a), ccy, String(rate(ccy, a))]);
  }
  return { rate, money };
}

/** Reads a generated drop back with an independent RFC 4180 parser (csv-parse), for the tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';

export type Row = Record<string, string>;

export function readCsv(dir: string, name: string): Row[] {
  let buf: Buffer;
  try {
    buf = readFileSync(join(dir, name));
  } catch {
    buf = gunzipSync(readFileSync(join(dir, `${name}.gz`)));
  }
  return parse(buf, { columns: true, skip_empty_lines: false, relax_column_count: false }) as Row[];
}

export interface Drop {
  accounts: Row[];
  opportunities: Row[];
  contracts: Row[];
  touchpoints: Row[];
  spend: Row[];
  invoices: Row[];
  usage: Row[];
  fx_rates: Row[];
  truth: Truth;
}

export interface Truth {
  seed: number;
  months: [string, string];
  asOf: string;
  channels: Record<string, { spend: number; incrementalAcvPerDollar: number; role: 'demand' | 'harvest' }>;
  monthly: { months: string[]; spendUsd: Record<string, number[]>; expectedOpportunities: Record<string, number[]> };
  renewal: { activeContracts: Record<string, number>; decided: Record<string, number> };
}

export function readDrop(dir: string): Drop {
  const f = (n: string) => readCsv(dir, `${n}.csv`);
  return {
    accounts: f('accounts'),
    opportunities: f('opportunities'),
    contracts: f('contracts'),
    touchpoints: f('touchpoints'),
    spend: f('spend'),
    invoices: f('invoices'),
    usage: f('usage'),
    fx_rates: f('fx_rates'),
    truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth,
  };
}

/** Converts a money cell to USD at the rate of its month, or of the latest earlier month with one (spec). */
export function fxLookup(fx: Row[]): (amount: string, currency: string, date: string) => number | null {
  const byCcy = new Map<string, [string, number][]>();
  for (const r of fx) {
    if (!byCcy.has(r.currency)) byCcy.set(r.currency, []);
    byCcy.get(r.currency)!.push([r.month, Number(r.rate_to_usd)]);
  }
  for (const list of byCcy.values()) list.sort((a, b) => a[0].localeCompare(b[0]));
  return (amount, currency, date) => {
    if (currency === 'USD') return Number(amount);
    const month = date.slice(0, 7);
    const list = byCcy.get(currency);
    if (!list) return null;
    let rate: number | null = null;
    for (const [m, r] of list) {
      if (m <= month) rate = r;
      else break;
    }
    return rate === null ? null : Number(amount) * rate;
  };
}

/**
 * Holds a batch's quarantine against the rows bench/plant-bad-rows.ts
 * planted: every planted (file, line) must be there, and every other
 * quarantined line must be explained by them. A line not planted is
 * explained when each rule it broke is one of
 *
 * - `<file>.<column>.referenced_row_quarantined`, naming a key whose row in
 *   the referenced file was planted (well-formed) or is itself an explained
 *   line (the validator's cascade, followed transitively, also within a
 *   file: parent accounts, renewed contracts);
 * - `<file>.<column>.references_<target>`, naming the key of a planted row
 *   that was left malformed (its key never became known);
 * - `<file>.currency.fx_rate_available`, where the row's currency has a rate
 *   at its month in the drop as generated but none once the planted
 *   fx_rates rows are set aside.
 *
 * The quarantine is read file by file in the validator's order through a
 * cursor, so a large batch never sits in memory whole.
 */
import { Client } from 'pg';
import Cursor from 'pg-cursor';
import { CONTRACTS, VALIDATION_ORDER } from '../contracts';
import type { Contract } from '../contracts';
import type { DropFileName } from '../contracts/rows';
import { REFERENCED_FILES, type PlantedFile } from './plant-bad-rows';

export interface FileVerdict {
  file: string;
  rows: number;
  planted: number;
  quarantined: number;
  /** Quarantined, not planted, explained by a reference to a bad row. */
  byReference: number;
  /** Quarantined, not planted, explained by a planted fx_rates row (no rate left for the row's month). */
  byFx: number;
  /** Planted but not in the quarantine. */
  missing: number;
  /** Quarantined, neither planted nor explained. */
  unexplained: number;
  /** A few of each, for a person to look at. */
  examples: { missing: number[]; unexplained: { line: number; rules: string[] }[] };
}

interface Entry {
  line: number;
  rule: string;
  value: string | null;
  raw: Record<string, string> | string[] | null;
}

const EXAMPLES = 5;
const BATCH = 10_000;

/** Checks the quarantine of `batchId` (in `schema`) against what was planted. */
export async function explainQuarantine(url: string, schema: string, batchId: string, planted: readonly PlantedFile[]): Promise<FileVerdict[]> {
  // Keys of bad rows other files may name: true = the row was malformed (its key unknown to the validator).
  const badKeys = new Map<DropFileName, Map<string, boolean>>();
  for (const p of planted) if (p.plantedKeys) badKeys.set(p.name, new Map(p.plantedKeys));
  const fxGone = fxWithoutPlanted(planted.find((p) => p.name === 'fx_rates')?.fxRows ?? null);
  const client = new Client({ connectionString: url });
  await client.connect();
  const verdicts: FileVerdict[] = [];
  try {
    for (const name of VALIDATION_ORDER) {
      const p = planted.find((x) => x.name === name);
      if (!p) continue;
      verdicts.push(await explainFile(client, `"${schema.replace(/"/g, '""')}".quarantine`, batchId, p, badKeys, fxGone));
    }
  } finally {
    await client.end();
  }
  return verdicts;
}

async function explainFile(
  client: Client, table: string, batchId: string, p: PlantedFile,
  badKeys: Map<DropFileName, Map<string, boolean>>, fxGone: (currency: string, month: string) => boolean,
): Promise<FileVerdict> {
  const contract = CONTRACTS[p.name] as unknown as Contract;
  const keyColumn = contract.uniqueKeys[0]?.length === 1 ? contract.uniqueKeys[0][0] : null;
  const mine = REFERENCED_FILES.has(p.name) ? badKeys.get(p.name) ?? badKeys.set(p.name, new Map()).get(p.name)! : null;
  const refs = new Map<string, DropFileName>(contract.columns.filter((c) => c.references).map((c) => [c.name, c.references!]));
  const v: FileVerdict = {
    file: p.file, rows: p.rows, planted: p.count, quarantined: 0, byReference: 0, byFx: 0, missing: 0, unexplained: 0,
    examples: { missing: [], unexplained: [] },
  };
  const found = new Uint8Array(p.count);
  // Lines naming a row of their own file not yet known to be bad: tried again once the file is read.
  let pending: Entry[][] = [];

  /** 'ok' (explained by a reference or FX), 'later' (names a row of this file not known bad yet) or 'no'. */
  const explain = (entries: Entry[]): 'reference' | 'fx' | 'later' | 'no' => {
    let fx = false;
    let later = false;
    for (const e of entries) {
      const [, column, what] = e.rule.split('.');
      const target = refs.get(column);
      if (what === 'fx_rate_available' && e.value !== null && !Array.isArray(e.raw) && e.raw) {
        const month = contract.fx?.monthOf(e.raw as never);
        if (month === undefined || !fxGone(e.value, month)) return 'no';
        fx = true;
      } else if (target && e.value !== null && (what === 'referenced_row_quarantined' || what === `references_${target}`)) {
        const malformed = badKeys.get(target)?.get(e.value);
        if (malformed === (what !== 'referenced_row_quarantined')) continue;
        if (target === p.name && malformed === undefined) later = true;
        else return 'no';
      } else return 'no';
    }
    return later ? 'later' : fx ? 'fx' : 'reference';
  };
  const settle = (entries: Entry[], how: 'reference' | 'fx') => {
    if (how === 'fx') v.byFx++;
    else v.byReference++;
    const raw = entries[0].raw;
    if (mine && keyColumn && raw && !Array.isArray(raw) && raw[keyColumn]) mine.set(raw[keyColumn], false);
  };
  const unexplained = (entries: Entry[]) => {
    v.unexplained++;
    if (v.examples.unexplained.length < EXAMPLES) v.examples.unexplained.push({ line: entries[0].line, rules: entries.map((e) => e.rule) });
  };
  const onLine = (entries: Entry[]) => {
    v.quarantined++;
    const at = indexOf(p.lines, p.count, entries[0].line);
    if (at >= 0) {
      found[at] = 1;
      return;
    }
    const how = explain(entries);
    if (how === 'later') pending.push(entries);
    else if (how === 'no') unexplained(entries);
    else settle(entries, how);
  };

  const cursor = client.query(new Cursor(
    `select line, rule, value, raw from ${table} where batch_id = $1 and file = $2 order by line`, [batchId, p.file],
  ));
  let group: Entry[] = [];
  for (;;) {
    const rows: Entry[] = await cursor.read(BATCH);
    for (const r of rows) {
      if (group.length && group[0].line !== r.line) {
        onLine(group);
        group = [];
      }
      group.push(r);
    }
    if (rows.length < BATCH) break;
  }
  await cursor.close();
  if (group.length) onLine(group);

  for (let progress = true; progress && pending.length; ) {
    progress = false;
    const again: Entry[][] = [];
    for (const entries of pending) {
      const how = explain(entries);
      if (how === 'later') again.push(entries);
      else {
        progress = true;
        if (how === 'no') unexplained(entries);
        else settle(entries, how);
      }
    }
    pending = again;
  }
  for (const entries of pending) unexplained(entries);

  for (let i = 0; i < p.count; i++) {
    if (found[i]) continue;
    v.missing++;
    if (v.examples.missing.length < EXAMPLES) v.examples.missing.push(p.lines[i]);
  }
  return v;
}

/** Binary search of `line` in the first `count` entries of an ascending array; -1 if absent. */
function indexOf(lines: Int32Array, count: number, line: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (lines[mid] === line) return mid;
    if (lines[mid] < line) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Whether a currency has a rate at a month (that month's or an earlier one's,
 * as contracts/fx.ts applies them) among all fx rows, but none among the rows
 * not planted on. Without fx_rates.csv nothing is explained this way.
 */
function fxWithoutPlanted(rows: PlantedFile['fxRows']): (currency: string, month: string) => boolean {
  if (!rows) return () => false;
  const first = (keep: (r: { planted: boolean }) => boolean) => {
    const m = new Map<string, string>();
    for (const r of rows) if (keep(r) && (!m.has(r.currency) || r.month < m.get(r.currency)!)) m.set(r.currency, r.month);
    return m;
  };
  const all = first(() => true);
  const kept = first((r) => !r.planted);
  return (currency, month) => {
    if (currency === 'USD') return false;
    const a = all.get(currency);
    const k = kept.get(currency);
    return a !== undefined && a <= month && (k === undefined || k > month);
  };
}

/**
 * Plants bad rows in a copy of a drop, for bench/bad-rows.ts: each CSV file
 * is streamed line by line into the copy (never whole in memory), and about
 * `rate` of its data rows, drawn by a seeded PRNG, are made to break their
 * data contract. The kinds of violation rotate through those the file's
 * contract refuses (read off its column list, contracts/*.ts):
 *
 * - `type`: a cell of a typed column given a value not of its type (an
 *   amount with a decimal comma, 31 February, a timestamp without T and zone,
 *   month 13, a lower-case currency, an unknown enum value, 3.5 users);
 * - `range`: a negative number where the contract says >= 0 or > 0;
 * - `empty`: a required column left empty;
 * - `columns`: the row's last field dropped (a malformed line).
 *
 * Keys stay intact: `type`, `range` and `empty` only touch columns that are
 * in no unique key and reference no other row, so no other row's own
 * verdict changes. A bad row in a file other files reference (accounts,
 * opportunities, contracts) still takes the rows that name it into
 * quarantine (the validator's cascade), and a malformed one leaves its key
 * unknown (the rows naming it are orphans); a bad fx_rates row can leave a
 * currency without a rate in its month. explain-quarantine.ts checks each of
 * those against what is recorded here.
 *
 * Line numbers are counted as the ingest counts them (contracts/csv.ts):
 * physical lines, header = line 1, a record numbered by the line it starts
 * on. Only records that fit on one line are planted on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import type { Writable } from 'node:stream';
import { CONTRACTS } from '../contracts';
import type { ColumnSpec, Contract } from '../contracts';
import { dropFilesIn } from '../contracts/drop-hash';
import type { DropFileName } from '../contracts/rows';
import { createRng, type Rng } from '../models/random';

export const VIOLATIONS = ['type', 'range', 'empty', 'columns'] as const;
export type Violation = (typeof VIOLATIONS)[number];

/** What was planted in one file: its planted lines in order, compactly, and what other files' checks need. */
export interface PlantedFile {
  file: string;
  name: DropFileName;
  /** Data rows (records) of the file. */
  rows: number;
  /** Planted line numbers, ascending (the first `count` entries of the array). */
  lines: Int32Array;
  count: number;
  byKind: Record<Violation, number>;
  /** Planted rows by the key other files name them with (files others reference): key → whether the row was left malformed. */
  plantedKeys: Map<string, boolean> | null;
  /** fx_rates only: every row's (month, currency) and whether it was planted, to tell which rates went missing. */
  fxRows: { month: string; currency: string; planted: boolean }[] | null;
}

export interface PlantSummary {
  files: PlantedFile[];
  bytesIn: number;
  bytesOut: number;
}

/** Files whose key other files' columns name (the validator's cascade follows these). */
export const REFERENCED_FILES = new Set<DropFileName>(
  (Object.values(CONTRACTS) as unknown as Contract[]).flatMap((c) => c.columns.flatMap((col) => (col.references ? [col.references] : []))),
);

const CONTRACT_BY_FILE = new Map<string, Contract>(
  (Object.values(CONTRACTS) as unknown as Contract[]).flatMap((c) => [[c.file, c], [`${c.file}.gz`, c]] as [string, Contract][]),
);

/** A value each cell type refuses (id and text accept any non-empty text, so they are not used). */
const BAD_VALUE: Partial<Record<ColumnSpec['type'], string>> = {
  money: '1234,50',
  decimal: 'n/a',
  int: '3.5',
  date: '2024-02-31',
  ts: '2024-10-26 11:07',
  month: '2024-13',
  ccy: 'usd',
  enum: 'unknown',
};

/** For each violation, the columns of the contract it can be planted in without touching a key or a reference. */
function plantable(contract: Contract): Record<Violation, string[]> {
  const keyed = new Set(contract.uniqueKeys.flat());
  const free = contract.columns.filter((c) => !keyed.has(c.name) && c.references === undefined);
  return {
    type: free.filter((c) => BAD_VALUE[c.type] !== undefined).map((c) => c.name),
    range: free.filter((c) => c.range === 'non_negative' || c.range === 'positive').map((c) => c.name),
    empty: free.filter((c) => c.required).map((c) => c.name),
    columns: ['*'],
  };
}

/**
 * Copies the drop in `from` to `to` with bad rows planted, seeded by `seed`:
 * `rate` of the rows of each file, `referencedRate` of those of a file other
 * files reference (each of its bad rows takes the rows naming it along). Other
 * files (truth.json) are not copied.
 */
export async function plantBadRows(from: string, to: string, opts: { rate: number; referencedRate: number; seed: number }): Promise<PlantSummary> {
  fs.mkdirSync(to, { recursive: true });
  const rng = createRng(opts.seed);
  const files: PlantedFile[] = [];
  let bytesIn = 0;
  let bytesOut = 0;
  for (const file of dropFilesIn(from)) {
    const contract = CONTRACT_BY_FILE.get(file);
    if (!contract) continue;
    const rate = REFERENCED_FILES.has(contract.name) ? opts.referencedRate : opts.rate;
    files.push(await plantFile(path.join(from, file), path.join(to, file), contract, rate, rng));
    bytesIn += fs.statSync(path.join(from, file)).size;
    bytesOut += fs.statSync(path.join(to, file)).size;
  }
  return { files, bytesIn, bytesOut };
}

async function plantFile(src: string, dst: string, contract: Contract, rate: number, rng: Rng): Promise<PlantedFile> {
  const file = path.basename(src);
  const gz = file.endsWith('.gz');
  const columns = plantable(contract);
  const kinds = VIOLATIONS.filter((k) => columns[k].length > 0);
  const planted: PlantedFile = {
    file, name: contract.name, rows: 0, lines: new Int32Array(1024), count: 0,
    byKind: { type: 0, range: 0, empty: 0, columns: 0 },
    plantedKeys: REFERENCED_FILES.has(contract.name) ? new Map() : null,
    fxRows: contract.name === 'fx_rates' ? [] : null,
  };
  const out = new LineWriter(dst, gz);
  let header: string[] | null = null;
  let keyAt = -1;
  let lineNo = 0;
  // A record whose quoted field runs over a line break: its lines are copied as they are.
  let inQuotes = false;
  let turn = 0;
  const onLine = async (text: string) => {
    lineNo++;
    const cr = text.endsWith('\r') ? '\r' : '';
    const body = cr ? text.slice(0, -1) : text;
    const startsInQuotes = inQuotes;
    inQuotes = oddQuotes(body) !== inQuotes;
    if (header === null) {
      header = splitCsvLine(body);
      keyAt = header.indexOf(contract.uniqueKeys[0]?.[0] ?? '');
      return out.line(text);
    }
    if (startsInQuotes) return out.line(text);
    if (body === '' && header.length > 1) return out.line(text);
    planted.rows++;
    const oneLine = !inQuotes;
    const plant = oneLine && rng.uniform() < rate;
    const cells = oneLine ? splitCsvLine(body) : null;
    if (cells && planted.fxRows) planted.fxRows.push({ month: cells[header.indexOf('month')], currency: cells[header.indexOf('currency')], planted: plant });
    if (!plant || !cells || cells.length !== header.length) return out.line(text);
    const kind = kinds[turn++ % kinds.length];
    const column = columns[kind][rng.int(0, columns[kind].length - 1)];
    const at = header.indexOf(column);
    if (kind !== 'columns' && at < 0) return out.line(text); // an optional column the file does not have
    if (kind === 'columns') cells.pop();
    else if (kind === 'empty') cells[at] = '';
    else if (kind === 'range') cells[at] = '-1';
    else cells[at] = BAD_VALUE[contract.columns.find((c) => c.name === column)!.type]!;
    planted.byKind[kind]++;
    if (planted.count === planted.lines.length) {
      const grown = new Int32Array(planted.lines.length * 2);
      grown.set(planted.lines);
      planted.lines = grown;
    }
    planted.lines[planted.count++] = lineNo;
    if (planted.plantedKeys && keyAt >= 0) planted.plantedKeys.set(cells.length > keyAt ? cells[keyAt] : '', kind === 'columns');
    return out.line(cells.map(csvField).join(',') + cr);
  };
  const source = fs.createReadStream(src, { highWaterMark: 1 << 20 });
  const input = gz ? source.pipe(createGunzip()) : source;
  const decoder = new StringDecoder('utf8');
  let carry = '';
  for await (const chunk of input) {
    const text = carry + decoder.write(chunk as Buffer);
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      await onLine(text.slice(from, nl));
      from = nl + 1;
    }
    carry = text.slice(from);
  }
  carry += decoder.end();
  if (carry !== '') await onLine(carry);
  await out.close(carry === '');
  planted.lines = planted.lines.slice(0, planted.count);
  return planted;
}

/** Whether the line has an odd number of double quotes (it opens or closes a quoted field across the line break). */
function oddQuotes(s: string): boolean {
  let odd = false;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) odd = !odd;
  return odd;
}

/** The fields of one CSV line whose quotes all close on it (RFC 4180). */
export function splitCsvLine(s: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (s.charCodeAt(i) === 34) {
      let v = '';
      let j = i + 1;
      for (;;) {
        const q = s.indexOf('"', j);
        if (q < 0) { v += s.slice(j); j = s.length; break; }
        v += s.slice(j, q);
        if (s.charCodeAt(q + 1) === 34) { v += '"'; j = q + 2; } else { j = q + 1; break; }
      }
      cells.push(v);
      const comma = s.indexOf(',', j);
      if (comma < 0) return cells;
      i = comma + 1;
    } else {
      const comma = s.indexOf(',', i);
      if (comma < 0) { cells.push(s.slice(i)); return cells; }
      cells.push(s.slice(i, comma));
      i = comma + 1;
    }
  }
}

const csvField = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Lines to a file (through gzip for `.gz`), a megabyte at a time, waiting when the stream is full. */
class LineWriter {
  private readonly sink: Writable;
  private readonly closed: Promise<unknown>;
  private buf: string[] = [];
  private size = 0;

  constructor(file: string, gz: boolean) {
    const stream = fs.createWriteStream(file);
    this.closed = once(stream, 'close');
    if (gz) {
      const z = createGzip({ level: 6 });
      z.pipe(stream);
      this.sink = z;
    } else this.sink = stream;
  }

  async line(s: string): Promise<void> {
    this.buf.push(s);
    this.size += s.length + 1;
    if (this.size >= 1 << 20) await this.flush(true);
  }

  private async flush(newlineAfter: boolean): Promise<void> {
    if (this.buf.length === 0) return;
    const chunk = this.buf.join('\n') + (newlineAfter ? '\n' : '');
    this.buf = [];
    this.size = 0;
    if (!this.sink.write(chunk)) await once(this.sink, 'drain');
  }

  /** `endsWithNewline`: the source's last line ended with a line break (most do). */
  async close(endsWithNewline: boolean): Promise<void> {
    await this.flush(endsWithNewline);
    this.sink.end();
    await this.closed;
  }
}

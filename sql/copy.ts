import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
// Text format, not CSV: a cell needs escaping only when it holds a backslash, tab or line break,
// where CSV would quote every cell and double every quote of a JSON value.
const copySql = (table: string, columns: readonly string[]) =>
  `COPY ${ident(table)} (${columns.map(ident).join(', ')}) FROM STDIN`;

/**
 * Bulk-loads rows with `COPY ... FROM STDIN`: an order of
 * magnitude faster than INSERT for the million-row touchpoint files.
 * Runs on the caller's client so it joins the caller's transaction (a failed
 * load rolls back with it, so a retried activity never duplicates rows).
 */
export async function copyRows<T>(
  client: PoolClient,
  table: string,
  columns: readonly string[],
  rows: Iterable<T>,
  pick: (row: T) => readonly unknown[],
): Promise<number> {
  const stream = client.query(copyFrom(copySql(table, columns)));
  let count = 0;
  function* chunks(): Generator<string> {
    let chunk = '';
    for (const row of rows) {
      chunk += copyTextLine(pick(row));
      count++;
      if (chunk.length > 1 << 16) { yield chunk; chunk = ''; }
    }
    if (chunk) yield chunk;
  }
  await pipeline(Readable.from(chunks()), stream);
  return count;
}

/**
 * COPYs a file of lines already in COPY's text format (e.g. spooled to disk
 * while another COPY held the connection) into `table`, streamed.
 */
export async function copyFile(client: PoolClient, table: string, columns: readonly string[], path: string): Promise<void> {
  await pipeline(createReadStream(path), client.query(copyFrom(copySql(table, columns))));
}

export interface CopyWriter {
  /** Queues one row; rows go to Postgres in 64 KiB chunks while the caller keeps producing. */
  push(row: readonly unknown[]): void;
  /** Queues one row already in COPY's text format (cells from `copyTextCell`, tab-separated, `\n`-ended). */
  pushText(line: string): void;
  /**
   * Undefined while Postgres keeps up; else a promise that settles once the
   * queued chunks have gone out (rejects if the COPY failed). A producer that
   * waits on it holds no more than a chunk or two in memory.
   */
  ready(): Promise<void> | undefined;
  /** Sends what is left and resolves with the row count once Postgres has taken them all. */
  end(): Promise<number>;
  /** Cancels the COPY (Postgres discards its rows); resolves once the connection is usable again. */
  abort(): Promise<void>;
}

/**
 * A COPY that rows are pushed into as they are produced (e.g. from a
 * parser's callback), so parsing in Node and loading in Postgres overlap
 * instead of running one after the other.
 */
export function openCopy(client: PoolClient, table: string, columns: readonly string[]): CopyWriter {
  const stream = client.query(copyFrom(copySql(table, columns)));
  // Observe a failure as soon as it happens; it is rethrown by end().
  const done = finished(stream);
  done.catch(() => {});
  // Once its connection fails, pg-copy-streams drops the connection yet keeps taking writes, and the next
  // write, end or destroy throws a TypeError that hides why: the failure is kept and the stream left alone.
  let failed: Error | null = null;
  stream.on('error', (err) => { failed ??= err; });
  let chunk = '';
  let count = 0;
  let full = false;
  let drained: Promise<void> | null = null;
  const queue = (line: string) => {
    if (failed) throw failed;
    chunk += line;
    count++;
    if (chunk.length > 1 << 16) {
      if (!stream.write(chunk)) full = true;
      chunk = '';
    }
  };
  return {
    push: (row) => queue(copyTextLine(row)),
    pushText: queue,
    ready() {
      if (!full) return undefined;
      drained ??= new Promise<void>((resolve, reject) => {
        stream.once('drain', () => {
          full = false;
          drained = null;
          resolve();
        });
        done.then(resolve, reject);
      });
      return drained;
    },
    async end() {
      if (failed) throw failed;
      if (chunk) stream.write(chunk);
      chunk = '';
      stream.end();
      await done;
      return count;
    },
    async abort() {
      chunk = '';
      if (!failed) stream.destroy(new Error(`COPY into ${table} cancelled`));
      await done.catch(() => {});
    },
  };
}

/**
 * A function that writes one object as a COPY text line: the fixed
 * `prefix` cells, then the named properties in order. Generated per column
 * list so each property is read by name at a fixed site (a generic loop over
 * names is a megamorphic lookup per cell, a third of validate's COPY cost).
 * Column names come from code (the table specs), never from data.
 * @example copyLineWriter(['a', 'b'])({ a: 1, b: null }, 'x\t') // 'x\t1\t\\N\n'
 */
export function copyLineWriter(columns: readonly string[]): (row: Readonly<Record<string, unknown>>, prefix: string) => string {
  const cells = columns.map((c) => `cell(row[${JSON.stringify(c)}])`).join(" + '\\t' + ");
  return new Function('cell', `return function copyLine(row, prefix) { return prefix + ${cells} + '\\n'; };`)(copyTextCell);
}

/** The kysely table columns that `columns` leaves out (never when it names them all). */
type Missing<T, C extends readonly PropertyKey[]> = Exclude<keyof T, C[number]>;

/**
 * A table's columns in the order a COPY writes them, checked against its
 * kysely type (sql/tables/): a name the table lacks, or a column of the table
 * left out, does not compile, so the list and the table type cannot drift.
 * @example copyColumns<{ a: number; b: string }>()(['a', 'b']) // ['a', 'b']
 */
export function copyColumns<T>() {
  return <const C extends readonly (keyof T & string)[]>(columns: C, ..._check: [Missing<T, C>] extends [never] ? [] : [missingColumn: Missing<T, C>]): C => columns;
}

/** One row as a COPY text line, `\n`-ended. */
export function copyTextLine(cells: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) line += (i ? '\t' : '') + copyTextCell(cells[i]);
  return line + '\n';
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/**
 * One cell in COPY's text format: `\N` is NULL, so a backslash in the data is doubled.
 * @example copyTextCell('a\tb') // 'a\\tb' (backslash, t)
 */
export function copyTextCell(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot COPY a non-finite number (${v})`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 't' : 'f';
  const s = typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : JSON.stringify(v);
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

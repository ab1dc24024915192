import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import { join } from 'node:path';

export type Cell = string | number | null;

const NEEDS_QUOTES = /[",\r\n]/;

/** One RFC 4180 field: quoted only when it holds a comma, quote or line break. */
export function csvField(v: Cell): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? String(v) : v;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const FLUSH_AT = 1 << 20;

/**
 * A CSV file written as a stream: rows are buffered and handed to the file
 * (optionally through gzip) a megabyte at a time, honouring backpressure, so a
 * world of millions of rows never lives in memory as one string.
 */
export class CsvWriter {
  readonly fileName: string;
  rows = 0;
  private readonly sink: Writable;
  private readonly done: Promise<unknown>;
  private buf: string[] = [];
  private size = 0;

  constructor(dir: string, name: string, header: readonly string[], gzip: boolean) {
    this.fileName = gzip ? `${name}.gz` : name;
    const file = createWriteStream(join(dir, this.fileName));
    this.done = once(file, 'close');
    if (gzip) {
      const z = createGzip({ level: 6 });
      z.pipe(file);
      this.sink = z;
    } else {
      this.sink = file;
    }
    this.line(header.join(','));
  }

  row(cells: readonly Cell[]): void {
    let s = csvField(cells[0]);
    for (let i = 1; i < cells.length; i++) s += ',' + csvField(cells[i]);
    this.line(s);
    this.rows++;
  }

  private line(s: string): void {
    this.buf.push(s);
    this.size += s.length + 1;
  }

  /** Hands the buffer to the stream once it is large; waits if the stream is full. */
  async maybeFlush(): Promise<void> {
    if (this.size >= FLUSH_AT) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const chunk = this.buf.join('\n') + '\n';
    this.buf = [];
    this.size = 0;
    if (!this.sink.write(chunk)) await once(this.sink, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.sink.end();
    await this.done;
  }
}

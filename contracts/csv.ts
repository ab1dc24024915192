/**
 * Streaming reader for one drop file (`name.csv` or `name.csv.gz`).
 *
 * Two parsers, one behaviour. Lines that need nothing more than commas and
 * same-line quoted cells — every line of a typical LF export — are cut by
 * `LineSplitter` (csv-line.ts), several times faster than csv-parse. At the
 * first line it cannot read exactly as csv-parse would (a carriage return,
 * a newline inside quotes, broken quoting), the rest of the file goes to
 * csv-parse, which does the RFC 4180 work (quotes, embedded commas and
 * newlines, BOM, CRLF) and reports quoting errors. `parser: 'csv-parse'`
 * reads the whole file with csv-parse: the reference the tests hold the fast
 * path to.
 *
 * Line numbers are counted here rather than taken from csv-parse's `info`:
 * building the info object per record halves the throughput, and its line
 * counter counts a CRLF inside quotes twice. A record starts on the line
 * after the previous one ended and spans one line plus the newlines inside
 * its fields.
 *
 * A quoting error (unterminated quote, stray quote) makes csv-parse stop,
 * and everything it swallowed after the opening quote would be lost. So the
 * line where the broken record starts is reported as malformed and the file
 * is parsed again from the next line: the other rows go on.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse, CsvError, type Options as CsvParseOptions, type Parser } from 'csv-parse';
import { LineSplitter } from './csv-line';
import { countNewlines, firstInvalidUtf8 } from './utf8';

/**
 * One record. The validators read `values` by column position (a keyed
 * object per row costs a third of the throughput); `fields` builds the
 * by-name view on demand, e.g. for a quarantine entry.
 */
export class CsvRecord {
  constructor(
    /** 1-based line where the record starts (header = line 1). */
    readonly line: number,
    /** Cells in header order, as given (empty string = empty cell). */
    readonly values: string[],
    readonly header: readonly string[],
  ) {}

  /** Cells by header name, as given. */
  get fields(): Record<string, string> {
    return toFields(this.header, this.values);
  }
}

export function toFields(header: readonly string[], values: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i < header.length; i++) fields[header[i]] = values[i];
  return fields;
}

export interface MalformedLine {
  line: number;
  /** Why the line cannot be read as a row, in words. */
  reason: string;
  /** The fields as read, or `[text of the line]` when it could not be split into fields. */
  raw: string[] | null;
}

export interface CsvHandlers {
  /** Called once with the header; throw to stop reading the file. */
  onHeader?: (header: string[]) => void;
  onRecord: (record: CsvRecord) => void;
  onMalformed: (malformed: MalformedLine) => void;
  /**
   * Called after each chunk of input (about 1 MiB). A returned promise holds
   * the reading back until it settles, so a slower consumer (a COPY to
   * Postgres) bounds the memory between them; a rejection fails the read.
   */
  ready?: () => Promise<void> | void;
}

export interface ReadCsvOptions {
  /** `csv-parse` reads every line with csv-parse (the fast path's reference); default: fast path first. */
  parser?: 'auto' | 'csv-parse';
  /** Bytes per read (default 1 MiB); small values let tests put chunk edges everywhere. */
  chunkBytes?: number;
}

export interface CsvFileInfo {
  file: string;
  header: string[];
  /** sha256 of the bytes on disk (the compressed bytes for .gz). */
  sha256: string;
  /** Data records seen, malformed ones included; blank lines are not rows. */
  records: number;
  /** Lines (header and blank lines included) the fast path read; csv-parse read the rest. */
  fastLines: number;
}

/** The file cannot be read at all (broken gzip, invalid UTF-8, no header). */
export class UnreadableFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnreadableFileError';
  }
}

/** Re-parsing after a quoting error rereads the file; past this many the file is hopeless. */
const MAX_QUOTE_RESTARTS = 1000;
const MAX_RAW_LINE = 4096;
/** A line longer than this (in characters) goes to csv-parse rather than growing the fast path's carry-over. */
const MAX_FAST_LINE = 1 << 23;

const QUOTE_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed (unterminated quote)',
  CSV_INVALID_CLOSING_QUOTE: 'a closing quote is followed by other characters than a comma or line end',
  INVALID_OPENING_QUOTE: 'a quote appears inside an unquoted field',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a closing quote is followed by other characters',
};

const CSV_PARSE_OPTIONS: CsvParseOptions = { bom: true, relax_column_count: true, skip_empty_lines: false };

interface PassResult {
  /** Set when csv-parse stopped on a quoting error in the record starting at this line. */
  brokenLine?: number;
  brokenReason?: string;
}

/** What the passes over one file share: where it is, who is told, and what has been read so far. */
interface ReadContext {
  path: string;
  file: string;
  gz: boolean;
  handlers: CsvHandlers;
  chunkBytes: number;
  /** The first pass starts on the fast path (else csv-parse reads every line). */
  fastFirst: boolean;
  info: CsvFileInfo;
  /** The header once read: line 1 of the first pass. */
  header: string[] | null;
}

/**
 * Reads one CSV file, calling the handlers synchronously in line order.
 * Resolves with the header and the file hash; rejects with
 * UnreadableFileError when the file cannot be read.
 * @example
 * const info = await readCsvFile('drop/accounts.csv', {
 *   onRecord: (r) => console.log(r.line, r.values),
 *   onMalformed: (m) => console.warn(m.line, m.reason),
 * });
 */
export async function readCsvFile(path: string, handlers: CsvHandlers, options: ReadCsvOptions = {}): Promise<CsvFileInfo> {
  const file = basename(path);
  const ctx: ReadContext = {
    path, file, gz: file.endsWith('.gz'), handlers, chunkBytes: options.chunkBytes ?? 1 << 20, fastFirst: options.parser !== 'csv-parse',
    info: { file, header: [], sha256: '', records: 0, fastLines: 0 }, header: null,
  };
  const result = await new FilePass(ctx, 1, true, () => {}).run();
  requireHeader(ctx, result);
  await rereadAfterBrokenQuotes(ctx, result);
  return ctx.info;
}

/** A file whose first pass found no header cannot be read: it is empty, or its header's quoting is broken. */
function requireHeader(ctx: ReadContext, result: PassResult): void {
  if (ctx.header !== null) return;
  if (result.brokenLine !== undefined) {
    throw new UnreadableFileError(ctx.file, `${ctx.file}: the header line cannot be read (${result.brokenReason})`);
  }
  throw new UnreadableFileError(ctx.file, `${ctx.file}: is empty (no header row)`);
}

/** After each quoting error: the broken line is reported as malformed and the file is read again from the next line. */
async function rereadAfterBrokenQuotes(ctx: ReadContext, first: PassResult): Promise<void> {
  let result = first;
  let restarts = 0;
  while (result.brokenLine !== undefined) {
    if (++restarts > MAX_QUOTE_RESTARTS) {
      throw new UnreadableFileError(ctx.file, `${ctx.file}: more than ${MAX_QUOTE_RESTARTS} lines with broken quoting`);
    }
    const broken = result.brokenLine;
    const reason = result.brokenReason ?? 'broken quoting';
    ctx.info.records++;
    let reported = false;
    result = await new FilePass(ctx, broken + 1, false, (text) => {
      reported = true;
      ctx.handlers.onMalformed({ line: broken, reason, raw: [text] });
    }).run();
    // The broken line was the last one of the file.
    if (!reported) ctx.handlers.onMalformed({ line: broken, reason, raw: null });
  }
}

/**
 * One record to the handlers, starting at line `start`: the first is the header; a blank line is skipped; a record with
 * the wrong number of fields is malformed. Throws what a handler throws.
 */
function dispatchRecord(ctx: ReadContext, record: string[], start: number): void {
  if (ctx.header === null) {
    ctx.header = record;
    ctx.info.header = record;
    ctx.handlers.onHeader?.(record);
    return;
  }
  const header = ctx.header;
  // A blank line is not a row (RFC 4180 has none; exports often end with one).
  if (record.length === 1 && record[0] === '' && header.length > 1) return;
  ctx.info.records++;
  if (record.length !== header.length) {
    const few = record.length < header.length;
    ctx.handlers.onMalformed({
      line: start,
      reason: `${few ? 'too few' : 'too many'} fields: ${record.length} instead of ${header.length}`,
      raw: record,
    });
    return;
  }
  ctx.handlers.onRecord(new CsvRecord(start, record, header));
}

/** The text of a skipped line from its bytes, as a malformed line's raw cell shows it. */
const skippedLineText = (parts: Buffer[]) => Buffer.concat(parts).toString('utf8').replace(/\r$/, '').slice(0, MAX_RAW_LINE);

/**
 * One read of the file from `startLine`. The first pass hashes the bytes,
 * checks UTF-8 and starts on the fast path; passes after a quoting error
 * are csv-parse only.
 */
class FilePass {
  private readonly first: boolean;
  private readonly source: ReturnType<typeof createReadStream>;
  private readonly hash: ReturnType<typeof createHash> | null;
  private readonly decoder: InstanceType<typeof TextDecoder> | null;
  private readonly bytes: Readable;
  private parser: Parser | null = null;
  /** The fast path reads the decoded text; csv-parse, once it takes over, reads bytes. */
  private fast: boolean;
  /** Fast path: text after the last newline so far (the start of the next line). */
  private carry = '';
  private atStart = true;
  private bomStripped = false;
  private done = false;
  // Lines consumed so far, counted in the original file.
  private line: number;
  // Lines the UTF-8 check has passed: the parsers may be behind it, and a bad byte is named by its own line.
  private newlinesDecoded = 0;
  private toSkip: number;
  private skippedTail: Buffer[] = [];
  private skippedTailLen = 0;
  /** Reasons the input is paused (csv-parse's buffer full, a consumer not ready). */
  private holds = 0;
  // After a quoting error the first pass still reads to the end so that
  // the hash and the UTF-8 check cover the whole file.
  private stopped: PassResult | null = null;
  private ended = false;
  private resolve: (r: PassResult) => void = () => {};
  private reject: (e: Error) => void = () => {};

  constructor(private readonly ctx: ReadContext, startLine: number, first: boolean, private readonly onSkippedLine: (text: string) => void) {
    this.first = first;
    this.source = createReadStream(ctx.path, { highWaterMark: ctx.chunkBytes });
    this.hash = first ? createHash('sha256') : null;
    // ignoreBOM: the BOM stays in the text, so that whichever parser reads line 1 strips it itself.
    this.decoder = first ? new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }) : null;
    this.bytes = ctx.gz ? this.source.pipe(createGunzip()) : this.source;
    this.fast = first && ctx.fastFirst;
    this.line = startLine - 1;
    this.toSkip = startLine - 1;
  }

  /** Reads to the end (or to a quoting error) and resolves with how it ended. */
  run(): Promise<PassResult> {
    return new Promise<PassResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      const { ctx, source, bytes, hash } = this;
      if (!this.fast) this.startParser(CSV_PARSE_OPTIONS);
      if (hash) source.on('data', (chunk) => hash.update(chunk as Buffer));
      source.on('error', (err) => this.fail(new UnreadableFileError(ctx.file, `${ctx.file}: cannot be read (${err.message})`)));
      if (ctx.gz) {
        bytes.on('error', (err: Error) =>
          this.fail(new UnreadableFileError(ctx.file, `${ctx.file}: not a valid gzip file (${err.message})`)),
        );
      }
      bytes.on('data', (chunk: Buffer) => this.onChunk(chunk));
      bytes.on('end', () => this.onEnd());
    });
  }

  private notUtf8(chunk: Buffer): UnreadableFileError {
    const file = this.ctx.file;
    // -1: the character that broke began at the end of the previous chunk, on the line this chunk continues.
    const at = firstInvalidUtf8(chunk);
    const byte = at < 0 ? 'a broken character' : `the byte 0x${chunk[at].toString(16).toUpperCase().padStart(2, '0')}`;
    return new UnreadableFileError(file, `${file}: is not valid UTF-8: line ${this.newlinesDecoded + countNewlines(chunk, Math.max(0, at)) + 1} has ${byte}` +
      ' (a Latin-1 or Windows-1252 export? save the file as UTF-8)');
  }

  private endsInsideCharacter(): UnreadableFileError {
    const file = this.ctx.file;
    return new UnreadableFileError(file, `${file}: is not valid UTF-8 (the file ends inside a character, on line ${this.newlinesDecoded + 1})`);
  }

  private fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.source.destroy();
    this.parser?.destroy();
    this.reject(err);
  }

  private complete(result: PassResult): void {
    if (this.done) return;
    if (this.decoder) {
      try {
        this.decoder.decode();
      } catch {
        return this.fail(this.endsInsideCharacter());
      }
    }
    if (this.hash) this.ctx.info.sha256 = this.hash.digest('hex');
    this.done = true;
    this.source.destroy();
    this.parser?.destroy();
    this.resolve(result);
  }

  private stop(result: PassResult): void {
    if (this.done || this.stopped) return;
    this.stopped = result;
    this.parser?.destroy();
    this.holds = 0;
    // An unterminated quote is only found at the end of the input.
    if (this.first && !this.ended) this.bytes.resume();
    else this.complete(result);
  }

  private hold(): () => void {
    if (this.holds++ === 0) this.bytes.pause();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds === 0 && !this.done) this.bytes.resume();
    };
  }

  /** One record as read; `multiline`: its cells may hold newlines (csv-parse's records). */
  private emit(record: string[], multiline: boolean): void {
    if (this.done || this.stopped) return;
    const start = this.line + 1;
    let line = start;
    if (multiline) {
      for (let i = 0; i < record.length; i++) {
        const cell = record[i];
        // Only quoted cells can hold a newline; most cells skip the scan.
        if (cell.length > 0 && cell.indexOf('\n') >= 0) {
          for (let p = cell.indexOf('\n'); p >= 0; p = cell.indexOf('\n', p + 1)) line++;
        }
      }
    }
    this.line = line;
    try {
      dispatchRecord(this.ctx, record, start);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private startParser(opts: CsvParseOptions): void {
    const p = parse(opts);
    this.parser = p;
    p.on('data', (record: string[]) => this.emit(record, true));
    p.on('error', (err: Error) => {
      const code = err instanceof CsvError ? err.code : undefined;
      if (code && code in QUOTE_ERRORS) {
        this.stop({ brokenLine: this.line + 1, brokenReason: QUOTE_ERRORS[code] });
      } else {
        this.fail(new UnreadableFileError(this.ctx.file, `${this.ctx.file}: cannot be parsed as CSV near line ${this.line + 1} (${err.message})`));
      }
    });
    p.on('end', () => this.complete({}));
  }

  private toParser(chunk: Buffer): void {
    if (chunk.length > 0 && !this.parser!.write(chunk)) this.parser!.once('drain', this.hold());
  }

  /**
   * csv-parse takes over at the start of a line the fast path cannot read
   * exactly. Had it read from the start, it would have found the record
   * delimiter (LF: the fast path takes no CR) and the BOM on line 1.
   */
  private handOver(rest: string): void {
    this.fast = false;
    this.carry = '';
    if (this.line === 0) {
      this.startParser(CSV_PARSE_OPTIONS);
      rest = (this.bomStripped ? '\ufeff' : '') + rest;
    } else {
      this.startParser({ ...CSV_PARSE_OPTIONS, bom: false, record_delimiter: '\n' });
    }
    this.toParser(Buffer.from(rest, 'utf8'));
  }

  /** Fast path over the decoded text; `final`: the end of the file. */
  private fastText(text: string, final: boolean): void {
    let t = this.carry === '' ? text : this.carry + text;
    this.carry = '';
    if (this.atStart) {
      if (t.length === 0) return;
      this.atStart = false;
      if (t.charCodeAt(0) === 0xfeff) {
        t = t.slice(1);
        this.bomStripped = true;
      }
    }
    let limit: number;
    if (final) {
      if (t.length === 0) return;
      limit = t.length;
    } else {
      limit = t.lastIndexOf('\n');
      if (limit < 0) {
        if (t.length > MAX_FAST_LINE) this.handOver(t);
        else this.carry = t;
        return;
      }
      if (limit + 1 < t.length) this.carry = t.slice(limit + 1);
    }
    const lines = new LineSplitter(t);
    const info = this.ctx.info;
    for (let pos = 0; ; ) {
      const nl = final ? limit : t.indexOf('\n', pos);
      const cells = lines.split(pos, nl);
      if (cells === null) return this.handOver(t.slice(pos));
      info.fastLines++;
      this.emit(cells, false);
      if (this.done || nl >= limit) return;
      pos = nl + 1;
    }
  }

  /** csv-parse only: drop the lines before startLine, keeping the text of the last one (the malformed line). */
  private skipThenParse(chunk: Buffer): void {
    if (this.toSkip > 0) {
      let pos = 0;
      while (this.toSkip > 0) {
        const nl = chunk.indexOf(10, pos);
        if (nl < 0) break;
        if (this.toSkip === 1) {
          this.skippedTail.push(chunk.subarray(pos, nl));
          this.skippedTailLen += nl - pos;
        } else {
          this.skippedTail = [];
          this.skippedTailLen = 0;
        }
        pos = nl + 1;
        this.toSkip--;
        if (this.toSkip === 0) {
          this.onSkippedLine(skippedLineText(this.skippedTail));
        } else if (this.toSkip === 1) {
          this.skippedTail = [];
          this.skippedTailLen = 0;
        }
      }
      if (this.toSkip > 0) {
        if (this.toSkip === 1 && this.skippedTailLen < MAX_RAW_LINE) {
          this.skippedTail.push(chunk.subarray(pos));
          this.skippedTailLen += chunk.length - pos;
        }
        return;
      }
      chunk = chunk.subarray(pos);
    }
    this.toParser(chunk);
  }

  /** A chunk of input: checked as UTF-8 (first pass), handed to the parser at work, then the consumer may hold the input back. */
  private onChunk(chunk: Buffer): void {
    if (this.done) return;
    let text = '';
    if (this.decoder) {
      try {
        text = this.decoder.decode(chunk, { stream: true });
      } catch {
        return this.fail(this.notUtf8(chunk));
      }
      this.newlinesDecoded += countNewlines(chunk);
    }
    if (this.stopped) return;
    if (this.fast) this.fastText(text, false);
    // After a hand-over the decoded text is what csv-parse reads: the bytes of a character
    // split across chunks are in the decoder, not in this chunk.
    else if (this.first && this.ctx.fastFirst) this.toParser(Buffer.from(text, 'utf8'));
    else this.skipThenParse(chunk);
    const handlers = this.ctx.handlers;
    if (this.done || this.stopped || handlers.ready === undefined) return;
    const wait = handlers.ready();
    if (wait !== undefined) wait.then(this.hold(), (err: Error) => this.fail(err));
  }

  /** The end of the input: the decoder's last characters go to the parser at work, which then ends. */
  private onEnd(): void {
    this.ended = true;
    if (this.done) return;
    if (this.stopped) return this.complete(this.stopped);
    if (this.first && this.ctx.fastFirst) {
      let tail: string;
      try {
        tail = this.decoder!.decode();
      } catch {
        return this.fail(this.endsInsideCharacter());
      }
      if (this.fast) this.fastText(tail, true);
      else this.toParser(Buffer.from(tail, 'utf8'));
      if (this.done || this.stopped) return;
      if (this.fast) return this.complete({});
      this.parser!.end();
      return;
    }
    if (this.toSkip === 1) this.onSkippedLine(skippedLineText(this.skippedTail));
    this.parser!.end();
  }
}

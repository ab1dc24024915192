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
  const gz = file.endsWith('.gz');
  const info: CsvFileInfo = { file, header: [], sha256: '', records: 0, fastLines: 0 };
  const fastFirst = options.parser !== 'csv-parse';
  let headerIndex: string[] | null = null;

  /**
   * One read of the file from `startLine`. The first pass hashes the bytes,
   * checks UTF-8 and starts on the fast path; passes after a quoting error
   * are csv-parse only.
   */
  const pass = (startLine: number, first: boolean, onSkippedLine: (text: string) => void): Promise<PassResult> =>
    new Promise<PassResult>((resolve, reject) => {
      const source = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20 });
      const hash = first ? createHash('sha256') : null;
      // ignoreBOM: the BOM stays in the text, so that whichever parser reads line 1 strips it itself.
      const decoder = first ? new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }) : null;
      const bytes = gz ? source.pipe(createGunzip()) : source;
      let parser: Parser | null = null;
      /** The fast path reads the decoded text; csv-parse, once it takes over, reads bytes. */
      let fast = first && fastFirst;
      /** Fast path: text after the last newline so far (the start of the next line). */
      let carry = '';
      let atStart = true;
      let bomStripped = false;
      let done = false;
      // Lines consumed so far, counted in the original file.
      let line = startLine - 1;
      // Lines the UTF-8 check has passed: the parsers may be behind it, and a bad byte is named by its own line.
      let newlinesDecoded = 0;
      const notUtf8 = (chunk: Buffer) => {
        // -1: the character that broke began at the end of the previous chunk, on the line this chunk continues.
        const at = firstInvalidUtf8(chunk);
        const byte = at < 0 ? 'a broken character' : `the byte 0x${chunk[at].toString(16).toUpperCase().padStart(2, '0')}`;
        return new UnreadableFileError(file, `${file}: is not valid UTF-8: line ${newlinesDecoded + countNewlines(chunk, Math.max(0, at)) + 1} has ${byte}` +
          ' (a Latin-1 or Windows-1252 export? save the file as UTF-8)');
      };
      const endsInsideCharacter = () =>
        new UnreadableFileError(file, `${file}: is not valid UTF-8 (the file ends inside a character, on line ${newlinesDecoded + 1})`);
      let toSkip = startLine - 1;
      let skippedTail: Buffer[] = [];
      let skippedTailLen = 0;
      /** Reasons the input is paused (csv-parse's buffer full, a consumer not ready). */
      let holds = 0;

      const fail = (err: Error) => {
        if (done) return;
        done = true;
        source.destroy();
        parser?.destroy();
        reject(err);
      };
      // After a quoting error the first pass still reads to the end so that
      // the hash and the UTF-8 check cover the whole file.
      let stopped: PassResult | null = null;
      let ended = false;
      const complete = (result: PassResult) => {
        if (done) return;
        if (decoder) {
          try {
            decoder.decode();
          } catch {
            return fail(endsInsideCharacter());
          }
        }
        if (hash) info.sha256 = hash.digest('hex');
        done = true;
        source.destroy();
        parser?.destroy();
        resolve(result);
      };
      const stop = (result: PassResult) => {
        if (done || stopped) return;
        stopped = result;
        parser?.destroy();
        holds = 0;
        // An unterminated quote is only found at the end of the input.
        if (first && !ended) bytes.resume();
        else complete(result);
      };
      const hold = (): (() => void) => {
        if (holds++ === 0) bytes.pause();
        let released = false;
        return () => {
          if (released) return;
          released = true;
          if (--holds === 0 && !done) bytes.resume();
        };
      };

      /** One record as read; `multiline`: its cells may hold newlines (csv-parse's records). */
      const emit = (record: string[], multiline: boolean) => {
        if (done || stopped) return;
        const start = line + 1;
        line = start;
        if (multiline) {
          for (let i = 0; i < record.length; i++) {
            const cell = record[i];
            // Only quoted cells can hold a newline; most cells skip the scan.
            if (cell.length > 0 && cell.indexOf('\n') >= 0) {
              for (let p = cell.indexOf('\n'); p >= 0; p = cell.indexOf('\n', p + 1)) line++;
            }
          }
        }
        try {
          if (headerIndex === null) {
            headerIndex = record;
            info.header = record;
            handlers.onHeader?.(record);
            return;
          }
          // A blank line is not a row (RFC 4180 has none; exports often end with one).
          if (record.length === 1 && record[0] === '' && headerIndex.length > 1) return;
          info.records++;
          if (record.length !== headerIndex.length) {
            const few = record.length < headerIndex.length;
            handlers.onMalformed({
              line: start,
              reason: `${few ? 'too few' : 'too many'} fields: ${record.length} instead of ${headerIndex.length}`,
              raw: record,
            });
            return;
          }
          handlers.onRecord(new CsvRecord(start, record, headerIndex));
        } catch (err) {
          fail(err as Error);
        }
      };

      const startParser = (opts: CsvParseOptions) => {
        const p = parse(opts);
        parser = p;
        p.on('data', (record: string[]) => emit(record, true));
        p.on('error', (err: Error) => {
          const code = err instanceof CsvError ? err.code : undefined;
          if (code && code in QUOTE_ERRORS) {
            stop({ brokenLine: line + 1, brokenReason: QUOTE_ERRORS[code] });
          } else {
            fail(new UnreadableFileError(file, `${file}: cannot be parsed as CSV near line ${line + 1} (${err.message})`));
          }
        });
        p.on('end', () => complete({}));
      };
      const toParser = (chunk: Buffer) => {
        if (chunk.length > 0 && !parser!.write(chunk)) parser!.once('drain', hold());
      };

      /**
       * csv-parse takes over at the start of a line the fast path cannot read
       * exactly. Had it read from the start, it would have found the record
       * delimiter (LF: the fast path takes no CR) and the BOM on line 1.
       */
      const handOver = (rest: string) => {
        fast = false;
        carry = '';
        if (line === 0) {
          startParser(CSV_PARSE_OPTIONS);
          rest = (bomStripped ? '\ufeff' : '') + rest;
        } else {
          startParser({ ...CSV_PARSE_OPTIONS, bom: false, record_delimiter: '\n' });
        }
        toParser(Buffer.from(rest, 'utf8'));
      };

      /** Fast path over the decoded text; `final`: the end of the file. */
      const fastText = (text: string, final: boolean) => {
        let t = carry === '' ? text : carry + text;
        carry = '';
        if (atStart) {
          if (t.length === 0) return;
          atStart = false;
          if (t.charCodeAt(0) === 0xfeff) {
            t = t.slice(1);
            bomStripped = true;
          }
        }
        let limit: number;
        if (final) {
          if (t.length === 0) return;
          limit = t.length;
        } else {
          limit = t.lastIndexOf('\n');
          if (limit < 0) {
            if (t.length > MAX_FAST_LINE) handOver(t);
            else carry = t;
            return;
          }
          if (limit + 1 < t.length) carry = t.slice(limit + 1);
        }
        const lines = new LineSplitter(t);
        for (let pos = 0; ; ) {
          const nl = final ? limit : t.indexOf('\n', pos);
          const cells = lines.split(pos, nl);
          if (cells === null) return handOver(t.slice(pos));
          info.fastLines++;
          emit(cells, false);
          if (done || nl >= limit) return;
          pos = nl + 1;
        }
      };

      /** csv-parse only: drop the lines before startLine, keeping the text of the last one (the malformed line). */
      const skipThenParse = (chunk: Buffer) => {
        if (toSkip > 0) {
          let pos = 0;
          while (toSkip > 0) {
            const nl = chunk.indexOf(10, pos);
            if (nl < 0) break;
            if (toSkip === 1) {
              skippedTail.push(chunk.subarray(pos, nl));
              skippedTailLen += nl - pos;
            } else {
              skippedTail = [];
              skippedTailLen = 0;
            }
            pos = nl + 1;
            toSkip--;
            if (toSkip === 0) {
              onSkippedLine(
                Buffer.concat(skippedTail).toString('utf8').replace(/\r$/, '').slice(0, MAX_RAW_LINE),
              );
            } else if (toSkip === 1) {
              skippedTail = [];
              skippedTailLen = 0;
            }
          }
          if (toSkip > 0) {
            if (toSkip === 1 && skippedTailLen < MAX_RAW_LINE) {
              skippedTail.push(chunk.subarray(pos));
              skippedTailLen += chunk.length - pos;
            }
            return;
          }
          chunk = chunk.subarray(pos);
        }
        toParser(chunk);
      };

      if (!fast) startParser(CSV_PARSE_OPTIONS);
      if (hash) source.on('data', (chunk) => hash.update(chunk as Buffer));
      source.on('error', (err) => fail(new UnreadableFileError(file, `${file}: cannot be read (${err.message})`)));
      if (gz) {
        bytes.on('error', (err: Error) =>
          fail(new UnreadableFileError(file, `${file}: not a valid gzip file (${err.message})`)),
        );
      }

      bytes.on('data', (chunk: Buffer) => {
        if (done) return;
        let text = '';
        if (decoder) {
          try {
            text = decoder.decode(chunk, { stream: true });
          } catch {
            return fail(notUtf8(chunk));
          }
          newlinesDecoded += countNewlines(chunk);
        }
        if (stopped) return;
        if (fast) fastText(text, false);
        // After a hand-over the decoded text is what csv-parse reads: the bytes of a character
        // split across chunks are in the decoder, not in this chunk.
        else if (first && fastFirst) toParser(Buffer.from(text, 'utf8'));
        else skipThenParse(chunk);
        if (done || stopped || handlers.ready === undefined) return;
        const wait = handlers.ready();
        if (wait !== undefined) wait.then(hold(), (err: Error) => fail(err));
      });
      bytes.on('end', () => {
        ended = true;
        if (done) return;
        if (stopped) return complete(stopped);
        if (first && fastFirst) {
          let tail: string;
          try {
            tail = decoder!.decode();
          } catch {
            return fail(endsInsideCharacter());
          }
          if (fast) fastText(tail, true);
          else toParser(Buffer.from(tail, 'utf8'));
          if (done || stopped) return;
          if (fast) return complete({});
          parser!.end();
          return;
        }
        if (toSkip === 1) onSkippedLine(Buffer.concat(skippedTail).toString('utf8').replace(/\r$/, '').slice(0, MAX_RAW_LINE));
        parser!.end();
      });
    });

  let result = await pass(1, true, () => {});
  if (headerIndex === null) {
    if (result.brokenLine !== undefined) {
      throw new UnreadableFileError(file, `${file}: the header line cannot be read (${result.brokenReason})`);
    }
    throw new UnreadableFileError(file, `${file}: is empty (no header row)`);
  }
  let restarts = 0;
  while (result.brokenLine !== undefined) {
    if (++restarts > MAX_QUOTE_RESTARTS) {
      throw new UnreadableFileError(file, `${file}: more than ${MAX_QUOTE_RESTARTS} lines with broken quoting`);
    }
    const broken = result.brokenLine;
    const reason = result.brokenReason ?? 'broken quoting';
    info.records++;
    let reported = false;
    result = await pass(broken + 1, false, (text) => {
      reported = true;
      handlers.onMalformed({ line: broken, reason, raw: [text] });
    });
    // The broken line was the last one of the file.
    if (!reported) handlers.onMalformed({ line: broken, reason, raw: null });
  }
  return info;
}

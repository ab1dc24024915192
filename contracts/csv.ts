/**
 * Streaming reader for one drop file (`name.csv` or `name.csv.gz`).
 *
 * csv-parse does the RFC 4180 work (quotes, embedded commas and newlines,
 * BOM, CRLF). Line numbers are counted here rather than taken from
 * csv-parse's `info`: building the info object per record halves the
 * throughput, and its line counter counts a CRLF inside quotes twice.
 * A record starts on the line after the previous one ended and spans one
 * line plus the newlines inside its fields.
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
import { parse, CsvError } from 'csv-parse';

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
}

export interface CsvFileInfo {
  file: string;
  header: string[];
  /** sha256 of the bytes on disk (the compressed bytes for .gz). */
  sha256: string;
  /** Data records seen, malformed ones included; blank lines are not rows. */
  records: number;
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

const QUOTE_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed (unterminated quote)',
  CSV_INVALID_CLOSING_QUOTE: 'a closing quote is followed by other characters than a comma or line end',
  INVALID_OPENING_QUOTE: 'a quote appears inside an unquoted field',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a closing quote is followed by other characters',
};

interface PassResult {
  /** Set when csv-parse stopped on a quoting error in the record starting at this line. */
  brokenLine?: number;
  brokenReason?: string;
}

/**
 * Reads one CSV file, calling the handlers synchronously in line order.
 * Resolves with the header and the file hash; rejects with
 * UnreadableFileError when the file cannot be read.
 */
export async function readCsvFile(path: string, handlers: CsvHandlers): Promise<CsvFileInfo> {
  const file = basename(path);
  const gz = file.endsWith('.gz');
  const info: CsvFileInfo = { file, header: [], sha256: '', records: 0 };
  let headerIndex: string[] | null = null;

  const pass = (startLine: number, first: boolean, onSkippedLine: (text: string) => void): Promise<PassResult> =>
    new Promise<PassResult>((resolve, reject) => {
      const source = createReadStream(path, { highWaterMark: 1 << 20 });
      const hash = first ? createHash('sha256') : null;
      const decoder = first ? new TextDecoder('utf-8', { fatal: true }) : null;
      const bytes = gz ? source.pipe(createGunzip()) : source;
      const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: false });
      let done = false;
      // Lines consumed so far, counted in the original file.
      let line = startLine - 1;
      let toSkip = startLine - 1;
      let skippedTail: Buffer[] = [];
      let skippedTailLen = 0;

      const fail = (err: Error) => {
        if (done) return;
        done = true;
        source.destroy();
        parser.destroy();
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
            return fail(new UnreadableFileError(file, `${file}: is not valid UTF-8 (the file ends inside a character)`));
          }
        }
        if (hash) info.sha256 = hash.digest('hex');
        done = true;
        source.destroy();
        parser.destroy();
        resolve(result);
      };
      const stop = (result: PassResult) => {
        if (done || stopped) return;
        stopped = result;
        parser.destroy();
        // An unterminated quote is only found at the end of the input.
        if (first && !ended) bytes.resume();
        else complete(result);
      };

      if (hash) source.on('data', (chunk) => hash.update(chunk as Buffer));
      source.on('error', (err) => fail(new UnreadableFileError(file, `${file}: cannot be read (${err.message})`)));
      if (gz) {
        bytes.on('error', (err: Error) =>
          fail(new UnreadableFileError(file, `${file}: not a valid gzip file (${err.message})`)),
        );
      }

      parser.on('data', (record: string[]) => {
        if (done || stopped) return;
        const start = line + 1;
        line = start;
        for (let i = 0; i < record.length; i++) {
          const cell = record[i];
          // Only quoted cells can hold a newline; most cells skip the scan.
          if (cell.length > 0 && cell.indexOf('\n') >= 0) {
            for (let p = cell.indexOf('\n'); p >= 0; p = cell.indexOf('\n', p + 1)) line++;
          }
        }
        if (headerIndex === null) {
          headerIndex = record;
          info.header = record;
          try {
            handlers.onHeader?.(record);
          } catch (err) {
            fail(err as Error);
          }
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
        try {
          handlers.onRecord(new CsvRecord(start, record, headerIndex));
        } catch (err) {
          fail(err as Error);
        }
      });
      parser.on('error', (err: Error) => {
        const code = err instanceof CsvError ? err.code : undefined;
        if (code && code in QUOTE_ERRORS) {
          stop({ brokenLine: line + 1, brokenReason: QUOTE_ERRORS[code] });
        } else {
          fail(new UnreadableFileError(file, `${file}: cannot be parsed as CSV near line ${line + 1} (${err.message})`));
        }
      });
      parser.on('end', () => complete({}));

      const feed = (chunk: Buffer) => {
        if (toSkip > 0) {
          // Drop the lines before startLine, keeping the text of the last one
          // (the malformed line) for the quarantine entry.
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
        if (chunk.length > 0 && !parser.write(chunk)) {
          bytes.pause();
          parser.once('drain', () => {
            if (!stopped) bytes.resume();
          });
        }
      };

      bytes.on('data', (chunk: Buffer) => {
        if (done) return;
        if (decoder) {
          try {
            decoder.decode(chunk, { stream: true });
          } catch {
            return fail(new UnreadableFileError(file, `${file}: is not valid UTF-8 (bad bytes near line ${line + 1})`));
          }
        }
        if (!stopped) feed(chunk);
      });
      bytes.on('end', () => {
        ended = true;
        if (done) return;
        if (stopped) return complete(stopped);
        if (toSkip === 1) onSkippedLine(Buffer.concat(skippedTail).toString('utf8').replace(/\r$/, '').slice(0, MAX_RAW_LINE));
        parser.end();
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

import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readCsvFile, type ReadCsvOptions } from '../../contracts/csv';
import { LineSplitter } from '../../contracts/csv-line';
import { createRng, type Rng } from '../../models/random';

/**
 * The fast path must read every file exactly as csv-parse does: the
 * reference is the same reader with `parser: 'csv-parse'`, compared call by
 * call (header, records with their lines, malformed lines, hash, counts).
 * Exact equality, no tolerance.
 */

const dir = mkdtempSync(join(tmpdir(), 'acvloop-csv-reader-'));
let n = 0;

/** Every handler call and the outcome, as data. */
async function calls(content: string | Buffer, opts: ReadCsvOptions, gz = false): Promise<{ calls: unknown[]; fastLines: number }> {
  const path = join(dir, `f${n++}.csv${gz ? '.gz' : ''}`);
  writeFileSync(path, gz ? gzipSync(content) : content);
  const out: unknown[] = [];
  let fastLines = 0;
  try {
    const info = await readCsvFile(path, {
      onHeader: (h) => out.push(['header', h]),
      onRecord: (r) => out.push(['record', r.line, r.values]),
      onMalformed: (m) => out.push(['malformed', m.line, m.reason, m.raw]),
    }, opts);
    fastLines = info.fastLines;
    out.push(['info', info.header, info.records, info.sha256]);
  } catch (err) {
    out.push(['error', (err as Error).message]);
  }
  rmSync(path);
  return { calls: out, fastLines };
}

const WORDS = ['a', 'bc', 'é', '日本', ' ', '=SUM(A1)', '1.5', 'x y', '', '', 'ß'];
const pick = <T,>(rng: Rng, xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)];

/** A cell: mostly plain, sometimes quoted (commas, doubled quotes, line breaks), sometimes broken. */
function cell(rng: Rng, eol: string, odd: number): string {
  const u = rng.uniform() < odd ? 0.86 + 0.14 * rng.uniform() : 0.86 * rng.uniform();
  if (u < 0.6) return pick(rng, WORDS) + pick(rng, WORDS);
  if (u < 0.8) return `"${pick(rng, WORDS)},${pick(rng, WORDS)}"`;
  if (u < 0.86) return `"say ""${pick(rng, WORDS)}"""`;
  if (u < 0.9) return `"two${eol}lines"`;
  if (u < 0.93) return `"bare\rcr\nlf"`;
  if (u < 0.95) return `in"side`;
  if (u < 0.97) return `"closed"then`;
  if (u < 0.98) return `"never closed`;
  return pick(rng, ['"', '""', '"""', '\r', ',']);
}

/** A small CSV with the oddities of real exports, and some broken lines. */
function randomCsv(rng: Rng): string {
  const eol = rng.uniform() < 0.7 ? '\n' : rng.uniform() < 0.8 ? '\r\n' : '\r';
  // Half the files are clean (the fast path reads them whole), the others have odd cells at some rate.
  const odd = rng.uniform() < 0.5 ? 0 : 0.2 * rng.uniform();
  const columns = rng.int(1, 4);
  const lines: string[] = [Array.from({ length: columns }, (_, i) => `col${i}`).join(',')];
  const rows = rng.int(0, 30);
  for (let r = 0; r < rows; r++) {
    if (rng.uniform() < 0.05) {
      lines.push('');
      continue;
    }
    const width = rng.uniform() < 0.9 ? columns : rng.int(1, columns + 2);
    lines.push(Array.from({ length: width }, () => cell(rng, eol, odd)).join(','));
    // A file that starts LF and later has a CRLF line.
    if (eol === '\n' && odd > 0 && rng.uniform() < 0.02) lines[lines.length - 1] += '\r';
  }
  const bom = rng.uniform() < 0.1 ? '\ufeff' : '';
  const end = rng.uniform() < 0.8 ? eol : '';
  return bom + lines.join(eol) + end;
}

describe('CSV reader: the fast path reads as csv-parse does', () => {
  it('on 300 random files with quotes, CR/LF/CRLF, BOM, blank and broken lines, at chunk sizes 3, 64 and 1 MiB (exact)', async () => {
    const rng = createRng(20261123);
    let lines = 0;
    let fastTook = 0;
    for (let i = 0; i < 300; i++) {
      const text = randomCsv(rng);
      const want = (await calls(text, { parser: 'csv-parse' })).calls;
      for (const chunkBytes of [3, 64, undefined]) {
        const got = await calls(text, { chunkBytes });
        expect(got.calls, `file ${i} at chunk ${chunkBytes}: ${JSON.stringify(text)}`).toEqual(want);
        fastTook += got.fastLines;
        lines += text.split(/\r\n|\n|\r/).length;
      }
    }
    // The comparison means something only if the fast path read a good share of the lines.
    expect(fastTook / lines).toBeGreaterThan(0.3);
  });

  it('on gzip files, whose inflated chunks split lines and characters anywhere (exact)', async () => {
    const rng = createRng(7);
    for (let i = 0; i < 60; i++) {
      const text = randomCsv(rng);
      const want = (await calls(text, { parser: 'csv-parse' }, true)).calls;
      expect((await calls(text, { chunkBytes: 3 }, true)).calls, JSON.stringify(text)).toEqual(want);
    }
  });

  it('reads a clean LF file entirely on the fast path, and hands a CRLF file to csv-parse from line 1', async () => {
    const lf = 'a,b\n1,"x, y"\n2,z\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    expect((await calls(lf, {})).fastLines).toBe(3);
    expect((await calls(crlf, {})).fastLines).toBe(0);
    expect((await calls(crlf, {})).calls).toEqual((await calls(crlf, { parser: 'csv-parse' })).calls);
  });

  it('hands over at the first line it cannot read, and csv-parse reports a broken quote from there', async () => {
    const text = 'a,b\n1,ok\n2,"never closed\n3,after\n';
    const got = await calls(text, {});
    expect(got.fastLines).toBe(2);
    expect(got.calls.filter((c) => (c as unknown[])[0] !== 'info')).toEqual([
      ['header', ['a', 'b']],
      ['record', 2, ['1', 'ok']],
      ['malformed', 3, 'a quoted field is never closed (unterminated quote)', ['2,"never closed']],
      ['record', 4, ['3', 'after']],
    ]);
  });
});

describe('LineSplitter', () => {
  it('splits plain, quoted and empty cells; gives null where csv-parse must decide', () => {
    const split = (line: string) => new LineSplitter(`${line}\n`).split(0, line.length);
    expect(split('a,"b, c",,"say ""hi"""')).toEqual(['a', 'b, c', '', 'say "hi"']);
    expect(split('')).toEqual(['']);
    expect(split('a,')).toEqual(['a', '']);
    expect(split('"",x')).toEqual(['', 'x']);
    expect(split('a"b')).toBeNull();
    expect(split('"a"b')).toBeNull();
    expect(split('"a')).toBeNull();
    expect(split('a\r')).toBeNull();
  });

  it('reads the lines of a block in order, with quotes and commas only on some lines', () => {
    const text = 'x\n"q, 1"\ny\nz,"w"\n';
    const s = new LineSplitter(text);
    const got: (string[] | null)[] = [];
    for (let pos = 0; pos < text.length; ) {
      const nl = text.indexOf('\n', pos);
      got.push(s.split(pos, nl));
      pos = nl + 1;
    }
    expect(got).toEqual([['x'], ['q, 1'], ['y'], ['z', 'w']]);
  });
});

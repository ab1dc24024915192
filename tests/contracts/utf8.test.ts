import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsvFile, type ReadCsvOptions } from '../../contracts/csv';
import { firstInvalidUtf8 } from '../../contracts/utf8';

/**
 * A file that is not UTF-8 is refused with the line of its first bad byte,
 * however the file is chunked, compressed or parsed: a Latin-1 "é" on line
 * 500 is reported on line 500, not near line 1.
 */
const dir = mkdtempSync(join(tmpdir(), 'acvloop-utf8-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 1,000-line CSV whose line `bad` (1-based, the header is line 1) holds `bytes` in its name cell. */
function latin1Csv(bad: number, bytes = [0xe9]): Buffer {
  const lines: Buffer[] = [Buffer.from('id,name,amount\n')];
  for (let line = 2; line <= 1000; line++) {
    const name = line === bad ? Buffer.concat([Buffer.from('Soci'), Buffer.from(bytes), Buffer.from('t')]) : Buffer.from(`name ${line}`);
    lines.push(Buffer.concat([Buffer.from(`${line},`), name, Buffer.from(`,${line}.50\n`)]));
  }
  return Buffer.concat(lines);
}

async function refusal(content: Buffer, opts: ReadCsvOptions = {}, gz = false): Promise<string> {
  const path = join(dir, `accounts.csv${gz ? '.gz' : ''}`);
  writeFileSync(path, gz ? gzipSync(content) : content);
  try {
    await readCsvFile(path, { onRecord: () => {}, onMalformed: () => {} }, opts);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('a file that is not UTF-8', () => {
  const cases: [string, ReadCsvOptions, boolean][] = [
    ['one chunk', {}, false],
    ['small chunks', { chunkBytes: 97 }, false],
    ['csv-parse only', { parser: 'csv-parse' }, false],
    ['gzip', {}, true],
  ];
  for (const [name, opts, gz] of cases) {
    it(`names the line of the bad byte (${name})`, async () => {
      expect(await refusal(latin1Csv(500), opts, gz)).toBe(`accounts.csv${gz ? '.gz' : ''}: is not valid UTF-8: line 500 has the byte 0xE9 ` +
        '(a Latin-1 or Windows-1252 export? save the file as UTF-8)');
      expect(await refusal(latin1Csv(2), opts, gz)).toMatch(/: line 2 has the byte 0xE9 /);
      expect(await refusal(latin1Csv(1000), opts, gz)).toMatch(/: line 1000 has the byte 0xE9 /);
    });
  }

  it('names the line when the bad character straddles two chunks', async () => {
    const content = latin1Csv(700, [0xe2, 0x82]); // the first two bytes of €, then "t"
    const cut = content.indexOf(Buffer.from([0xe2, 0x82])) + 1;
    for (const chunkBytes of [cut, cut + 1, cut - 1]) {
      expect(await refusal(content, { chunkBytes })).toMatch(/: line 700 has /);
    }
  });

  it('names the last line when the file ends inside a character', async () => {
    expect(await refusal(Buffer.concat([Buffer.from('id,name\n1,a\n2,'), Buffer.from([0xe2, 0x82])])))
      .toBe('accounts.csv: is not valid UTF-8 (the file ends inside a character, on line 3)');
  });
});

describe('firstInvalidUtf8', () => {
  const cases: [string, number[], number][] = [
    ['ASCII', [0x61, 0x0a, 0x62], -1],
    ['é in UTF-8', [0x63, 0xc3, 0xa9], -1],
    ['é in Latin-1', [0x63, 0x61, 0x66, 0xe9, 0x0a], 3],
    ['€ in UTF-8', [0xe2, 0x82, 0xac], -1],
    ['a 4-byte emoji', [0xf0, 0x9f, 0x98, 0x80], -1],
    ['an overlong slash', [0x61, 0xc0, 0xaf], 1],
    ['a surrogate', [0xed, 0xa0, 0x80], 0],
    ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a character cut at the end (the next chunk has the rest)', [0x61, 0xe2, 0x82], -1],
    ['the end of a character begun in the previous chunk', [0x82, 0xac, 0x61], -1],
    ['a stray continuation byte', [0x61, 0x80], 1],
    ['0xFF', [0x61, 0xff, 0xfe], 1],
  ];
  for (const [name, bytes, at] of cases) it(name, () => expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(at));
});

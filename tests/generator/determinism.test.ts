import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDrop } from '../../generator/index';
import { removeTempDirs, tempDir } from './world';

function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) out[f] = createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
  return out;
}

describe('generateDrop determinism', () => {
  afterAll(removeTempDirs);
  const small = { accounts: 300, months: 24, end: '2025-06' };

  it('writes byte-identical files for the same seed and different files for another', async () => {
    const a = tempDir('a');
    const b = tempDir('b');
    const c = tempDir('c');
    await generateDrop({ outDir: a, seed: 7, ...small });
    await generateDrop({ outDir: b, seed: 7, ...small });
    await generateDrop({ outDir: c, seed: 8, ...small });
    const ha = hashes(a);
    expect(Object.keys(ha)).toEqual([
      'accounts.csv', 'contracts.csv', 'fx_rates.csv', 'invoices.csv', 'opportunities.csv', 'spend.csv',
      'touchpoints.csv', 'truth.json', 'usage.csv',
    ]);
    expect(hashes(b)).toEqual(ha);
    const hc = hashes(c);
    for (const f of ['accounts.csv', 'opportunities.csv', 'contracts.csv', 'touchpoints.csv', 'spend.csv', 'truth.json']) {
      expect(hc[f], f).not.toEqual(ha[f]);
    }
  });

  it('writes the requested files gzipped with the same content', async () => {
    const plain = tempDir('plain');
    const zipped = tempDir('gz');
    await generateDrop({ outDir: plain, seed: 3, ...small });
    const summary = await generateDrop({ outDir: zipped, seed: 3, ...small, gzip: ['touchpoints.csv', 'usage.csv'] });
    expect(summary.files.find((f) => f.name === 'touchpoints')?.file).toBe('touchpoints.csv.gz');
    expect(readdirSync(zipped)).toContain('usage.csv.gz');
    expect(gunzipSync(readFileSync(join(zipped, 'touchpoints.csv.gz'))).equals(readFileSync(join(plain, 'touchpoints.csv')))).toBe(true);
    expect(readFileSync(join(zipped, 'accounts.csv')).equals(readFileSync(join(plain, 'accounts.csv')))).toBe(true);
  });

  it('reports row counts that match the files', async () => {
    const dir = tempDir('counts');
    const summary = await generateDrop({ outDir: dir, seed: 5, ...small });
    for (const f of summary.files) {
      const lines = readFileSync(join(dir, f.file), 'utf8').split('\n').filter((l) => l.length > 0);
      // Names may hold commas and quotes but never line breaks, so lines = rows + header.
      expect(lines.length - 1, f.file).toBe(f.rows);
    }
  });

  it('rejects bad options', async () => {
    await expect(generateDrop({ outDir: tempDir('bad'), end: '2026-13' })).rejects.toThrow(/YYYY-MM/);
    await expect(generateDrop({ outDir: tempDir('bad'), gzip: ['nope.csv'] })).rejects.toThrow(/nope/);
  });
});

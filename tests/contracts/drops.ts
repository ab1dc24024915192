/**
 * Test drops: the committed valid base drop (`tests/fixtures/bad-drops/base`)
 * copied to a temp folder, with the files of a bad-drop case laid over it.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'bad-drops');
export const BASE = join(FIXTURES, 'base');

/** The temp drops this test file made, removed once its tests are done (they were left in the temp folder, a few dozen per suite). */
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A temp copy of the base drop with the case's files over it. A case may
 * hold a `REMOVE` file listing base files to delete.
 */
export function dropFor(caseName: string | null, extra: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `acvloop-drop-${caseName ?? 'base'}-`));
  made.push(dir);
  cpSync(BASE, dir, { recursive: true });
  if (caseName !== null) {
    const caseDir = join(FIXTURES, caseName);
    for (const f of readdirSync(caseDir)) {
      if (f === 'REMOVE') continue;
      cpSync(join(caseDir, f), join(dir, f));
    }
    const remove = join(caseDir, 'REMOVE');
    if (existsSync(remove)) {
      for (const f of readFileSync(remove, 'utf8').split('\n').filter(Boolean)) rmSync(join(dir, f));
    }
  }
  for (const [f, content] of Object.entries(extra)) {
    if (content === '') rmSync(join(dir, f), { force: true });
    else writeFileSync(join(dir, f), content);
  }
  return dir;
}

const CHANNELS = ['paid_search', 'paid_social', 'display', 'email', 'webinar', 'event', 'content', 'organic'];

export interface BigTouchpoints {
  rows: number;
  orphans: number;
  duplicates: number;
  badTimestamps: number;
}

/**
 * Writes touchpoints.csv with `n` rows over the base accounts. Every 1000th
 * row names an unknown account, every 4999th repeats the previous id, every
 * 7919th has a timestamp without zone; these never coincide below 4.9M rows
 * except where counted.
 */
export function writeBigTouchpoints(dir: string, n: number): BigTouchpoints {
  const lines = ['touchpoint_id,account_id,contact_id,channel,campaign_id,occurred_at,kind'];
  const expect: BigTouchpoints = { rows: n, orphans: 0, duplicates: 0, badTimestamps: 0 };
  for (let i = 1; i <= n; i++) {
    const orphan = i % 1000 === 0;
    const dup = i % 4999 === 0;
    const badTs = i % 7919 === 0;
    if (orphan) expect.orphans++;
    if (dup) expect.duplicates++;
    if (badTs) expect.badTimestamps++;
    const id = dup ? `T-${i - 1}` : `T-${i}`;
    const account = orphan ? 'A-999' : `A-${1 + (i % 5)}`;
    const day = String(1 + (i % 28)).padStart(2, '0');
    const ts = badTs ? `2024-03-${day}T10:00:00` : `2024-03-${day}T${String(i % 24).padStart(2, '0')}:15:00Z`;
    lines.push(`${id},${account},C-${i % 20000},${CHANNELS[i % 8]},CMP-${i % 300},${ts},${i % 3 === 0 ? 'offline' : 'online'}`);
  }
  writeFileSync(join(dir, 'touchpoints.csv'), lines.join('\n') + '\n');
  return expect;
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDrop } from '../../generator';
import { hashDrop } from '../../contracts/drop-hash';

/** A small generated drop in a temp folder (fast enough for workflow tests). */
export async function smallDrop(opts: { seed?: number; accounts?: number; months?: number; end?: string; experiments?: boolean; drift?: boolean } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-drop-'));
  await generateDrop({ outDir: dir, seed: opts.seed ?? 7, accounts: opts.accounts ?? 400, months: opts.months ?? 30, end: opts.end ?? '2026-10', experiments: opts.experiments, drift: opts.drift });
  const hash = await hashDrop(dir);
  return { dir, sha256: hash.sha256, month: opts.end ?? '2026-10', cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

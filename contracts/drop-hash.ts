import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DROP_FILES } from './rows';

export interface DropFileHash {
  file: string;
  sha256: string;
  bytes: number;
}

export interface DropHash {
  /** sha256 over the sorted `file:sha256` lines of the drop's files: the drop's identity. */
  sha256: string;
  files: DropFileHash[];
}

/** The drop files present in a folder (`name.csv` or `name.csv.gz` for the names of the spec), sorted. */
export function dropFilesIn(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`drop folder ${dir} does not exist or is not a folder`);
  }
  const known = new Set<string>(DROP_FILES.flatMap((f) => [`${f}.csv`, `${f}.csv.gz`]));
  return fs.readdirSync(dir).filter((f) => known.has(f)).sort();
}

async function hashFile(file: string): Promise<DropFileHash> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { file: path.basename(file), sha256: h.digest('hex'), bytes };
}

/** Content hash of a drop: the same bytes give the same hash wherever the folder lives. */
export async function hashDrop(dir: string): Promise<DropHash> {
  const files: DropFileHash[] = [];
  for (const f of dropFilesIn(dir)) files.push(await hashFile(path.join(dir, f)));
  return { sha256: dropHashOf(files), files };
}

/** The drop's hash from its files' hashes (in file-name order), however those were computed. */
export function dropHashOf(files: readonly Pick<DropFileHash, 'file' | 'sha256'>[]): string {
  const sorted = [...files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return createHash('sha256').update(sorted.map((f) => `${f.file}:${f.sha256}\n`).join('')).digest('hex');
}

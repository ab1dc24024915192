import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDrop } from '../../generator/index';
import type { GenerateOptions, GenerateSummary } from '../../generator/index';
import { readDrop } from './read-drop';
import type { Drop } from './read-drop';

const made: string[] = [];

export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `acvloop-gen-${label}-`));
  made.push(dir);
  return dir;
}

/** Removes the folders this test file generated. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Generates a world into a fresh temp folder and reads it back. */
export async function generateAndRead(opts: Omit<GenerateOptions, 'outDir'> = {}): Promise<{ dir: string; summary: GenerateSummary; drop: Drop }> {
  const dir = tempDir('world');
  const summary = await generateDrop({ outDir: dir, ...opts });
  return { dir, summary, drop: readDrop(dir) };
}

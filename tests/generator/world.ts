import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDrop } from '../../generator/index';
import type { GenerateOptions, GenerateSummary } from '../../generator/index';
import { readDrop } from './read-drop';
import type { Drop } from './read-drop';

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `acvloop-gen-${label}-`));
}

/** Generates a world into a fresh temp folder and reads it back. */
export async function generateAndRead(opts: Omit<GenerateOptions, 'outDir'> = {}): Promise<{ dir: string; summary: GenerateSummary; drop: Drop }> {
  const dir = tempDir('world');
  const summary = await generateDrop({ outDir: dir, ...opts });
  return { dir, summary, drop: readDrop(dir) };
}

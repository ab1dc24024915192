import fs from 'node:fs';
import { jsonSyntaxError } from './json-syntax';

/** A JSON document read from a file, or what is wrong with the file (without its name: the caller says which file). */
export type JsonRead = { ok: true; value: unknown } | { ok: false; problem: 'unreadable' | 'not-json'; detail: string };

export function readJson(file: string): JsonRead {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    // "ENOENT: no such file or directory", without the ", open 'FILE'" that repeats the name.
    return { ok: false, problem: 'unreadable', detail: (err as Error).message.split(',')[0] };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const at = jsonSyntaxError(text);
    return { ok: false, problem: 'not-json', detail: at ? `line ${at.line}, column ${at.column}: ${at.message}` : (err as Error).message };
  }
}

/** A JSON document from a file, or an error that names the file and says what is wrong (unreadable, or not JSON, and where). */
export function readJsonFile(file: string, what: string): unknown {
  const read = readJson(file);
  if (read.ok) return read.value;
  if (read.problem === 'unreadable') throw new Error(`cannot read the ${what} ${file}: ${read.detail}`);
  throw new Error(`${file} is not JSON: ${read.detail}`);
}

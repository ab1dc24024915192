import path from 'node:path';
import { validateDrop } from '../../contracts';
import type { DropValidation } from '../../contracts/rows';
import { printJson, say, table } from '../output';

/** Exactly the keys of `acvloop validate --json`. */
export function validateJson(v: DropValidation) {
  return {
    ok: v.ok,
    errors: v.errors,
    files: v.files.map((f) => ({ file: f.file, rowsRead: f.rowsRead, rowsAccepted: f.rowsAccepted, rowsQuarantined: f.rowsQuarantined })),
    quarantine: v.quarantine.map((q) => ({ file: q.file, line: q.line, column: q.column, rule: q.rule, value: q.value, message: q.message })),
  };
}

export async function validateCommand(opts: { drop: string; maxErrorRate?: string; json?: boolean }): Promise<number> {
  let maxErrorRate: number | undefined;
  if (opts.maxErrorRate !== undefined) {
    maxErrorRate = Number(opts.maxErrorRate);
    if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) throw new Error(`--max-error-rate takes a share between 0 and 1, not "${opts.maxErrorRate}"`);
  }
  const v = await validateDrop(path.resolve(opts.drop), { maxErrorRate });
  if (opts.json) printJson(validateJson(v));
  else {
    say(v.ok ? `drop ${opts.drop} is valid` : `drop ${opts.drop} is rejected`);
    for (const e of v.errors) say(`  error: ${e}`);
    say(table(['file', 'rows read', 'accepted', 'quarantined'], v.files.map((f) => [f.file, f.rowsRead, f.rowsAccepted, f.rowsQuarantined])));
    const shown = v.quarantine.slice(0, 20);
    for (const q of shown) say(`  ${q.file}:${q.line} [${q.rule}] ${q.message}`);
    if (v.quarantine.length > shown.length) say(`  … and ${v.quarantine.length - shown.length} more (use --json for all)`);
  }
  return v.ok ? 0 : 1;
}

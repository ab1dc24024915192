/** What `acvloop validate` prints: the JSON contract of `--json`, and a short text. */
import type { DropValidation } from './rows';

export interface ValidateJson {
  ok: boolean;
  errors: string[];
  files: { file: string; rowsRead: number; rowsAccepted: number; rowsQuarantined: number }[];
  quarantine: { file: string; line: number; column: string | null; rule: string; value: string | null; message: string }[];
}

/** The `acvloop validate --json` document: exactly these keys, in this order. */
export function toValidateJson(v: DropValidation): ValidateJson {
  return {
    ok: v.ok,
    errors: [...v.errors],
    files: v.files.map((f) => ({
      file: f.file,
      rowsRead: f.rowsRead,
      rowsAccepted: f.rowsAccepted,
      rowsQuarantined: f.rowsQuarantined,
    })),
    quarantine: v.quarantine.map((q) => ({
      file: q.file,
      line: q.line,
      column: q.column,
      rule: q.rule,
      value: q.value,
      message: q.message,
    })),
  };
}

/**
 * A few lines for a terminal: the verdict (and how many rows went to
 * quarantine), drop-level errors, one line per file, the quarantined rows
 * counted by file and rule, then the first quarantine messages (the JSON has them all).
 */
export function formatValidation(v: DropValidation, opts: { maxMessages?: number } = {}): string {
  const max = opts.maxMessages ?? 20;
  const quarantined = v.files.reduce((n, f) => n + f.rowsQuarantined, 0);
  const rows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;
  const verdict = !v.ok
    ? 'Drop is NOT valid: nothing of it may be applied.'
    : quarantined > 0
      ? `Drop is valid, but ${rows(quarantined)} went to quarantine: a run applies the rest and leaves them out.`
      : 'Drop is valid: every row meets its contract.';
  const out: string[] = [verdict];
  for (const e of v.errors) out.push(`  error: ${e}`);
  for (const f of v.files) {
    const extra = f.extraColumns.length > 0 ? `; extra columns kept raw: ${f.extraColumns.join(', ')}` : '';
    out.push(
      `  ${f.file}: ${f.rowsRead} read, ${f.rowsAccepted} accepted, ${f.rowsQuarantined} quarantined` +
        ` (contract ${f.contractVersion})${extra}`,
    );
  }
  if (v.quarantine.length > 0) {
    out.push(`Quarantined rows by file and rule (a row that breaks two rules counts under both):`);
    for (const { file, rule, lines } of rowsByFileAndRule(v.quarantine)) out.push(`  ${file}  ${rule}  ${rows(lines)}`);
    for (const q of v.quarantine.slice(0, max)) out.push(`  ${q.message}`);
    if (v.quarantine.length > max) out.push(`  ... and ${v.quarantine.length - max} more (use --json for all)`);
  }
  return out.join('\n');
}

/** Distinct quarantined lines per file and rule, most first. */
export function rowsByFileAndRule(quarantine: DropValidation['quarantine']): { file: string; rule: string; lines: number }[] {
  const lines = new Map<string, { file: string; rule: string; seen: Set<number> }>();
  for (const q of quarantine) {
    const key = `${q.file}\u0000${q.rule}`;
    const entry = lines.get(key) ?? { file: q.file, rule: q.rule, seen: new Set<number>() };
    entry.seen.add(q.line);
    lines.set(key, entry);
  }
  return [...lines.values()].map(({ file, rule, seen }) => ({ file, rule, lines: seen.size }))
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.rule.localeCompare(b.rule));
}

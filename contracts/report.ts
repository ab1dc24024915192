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
 * A few lines for a terminal: verdict, drop-level errors, one line per file,
 * then the first quarantine messages (the JSON has them all).
 */
export function formatValidation(v: DropValidation, opts: { maxMessages?: number } = {}): string {
  const max = opts.maxMessages ?? 20;
  const out: string[] = [v.ok ? 'Drop is valid.' : 'Drop is NOT valid: nothing of it may be applied.'];
  for (const e of v.errors) out.push(`  error: ${e}`);
  for (const f of v.files) {
    const extra = f.extraColumns.length > 0 ? `; extra columns kept raw: ${f.extraColumns.join(', ')}` : '';
    out.push(
      `  ${f.file}: ${f.rowsRead} read, ${f.rowsAccepted} accepted, ${f.rowsQuarantined} quarantined` +
        ` (contract ${f.contractVersion})${extra}`,
    );
  }
  if (v.quarantine.length > 0) {
    const byRule = new Map<string, number>();
    for (const q of v.quarantine) byRule.set(q.rule, (byRule.get(q.rule) ?? 0) + 1);
    out.push(`Quarantine: ${v.quarantine.length} broken rules`);
    for (const [rule, n] of [...byRule].sort((a, b) => b[1] - a[1])) out.push(`  ${n} x ${rule}`);
    for (const q of v.quarantine.slice(0, max)) out.push(`  ${q.message}`);
    if (v.quarantine.length > max) out.push(`  ... and ${v.quarantine.length - max} more (use --json for all)`);
  }
  return out.join('\n');
}

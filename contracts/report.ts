/** What `acvloop validate` prints: the JSON contract of `--json`, and a short text. */
import type { DropValidation, QuarantineEntry } from './rows';

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

const MAX_MESSAGES = 20;

/**
 * A few lines for a terminal: the verdict (and how many rows went to
 * quarantine), drop-level errors, one line per file, the quarantined rows
 * counted by file and rule, then the first quarantine messages (the JSON has them all).
 * The quarantine is read from `tally` when given (entries not retained), else from `v.quarantine`.
 */
export function formatValidation(
  v: Pick<DropValidation, 'ok' | 'errors' | 'files' | 'quarantine'>,
  opts: { maxMessages?: number; tally?: QuarantineTally } = {},
): string {
  const max = opts.maxMessages ?? MAX_MESSAGES;
  const tally = opts.tally ?? tallyOf(v.quarantine, max);
  const reported = v.files.map((f) => f.file);
  const entries = tally.entriesOf(reported);
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
  if (entries > 0) {
    out.push(`Quarantined rows by file and rule (a row that breaks two rules counts under both):`);
    for (const { file, rule, lines } of tally.rowsByFileAndRule(reported)) out.push(`  ${file}  ${rule}  ${rows(lines)}`);
    for (const message of tally.firstMessages(reported, max)) out.push(`  ${message}`);
    if (entries > max) out.push(`  ... and ${entries - max} more (use --json for all)`);
  }
  return out.join('\n');
}

/**
 * What the text report says of a quarantine, gathered entry by entry so that
 * `acvloop validate` holds none of a large drop's entries (pass `add` as the
 * validator's sink): entries and distinct lines by file and rule, and each
 * file's first messages. A file's entries must come in line order, as
 * validateDrop gives them, so a line is new when it differs from the last.
 */
export class QuarantineTally {
  private readonly byFileRule = new Map<string, { file: string; rule: string; lines: number; last: number }>();
  private readonly byFile = new Map<string, { entries: number; first: string[] }>();

  constructor(private readonly keepMessages = MAX_MESSAGES) {}

  add(q: Pick<QuarantineEntry, 'file' | 'line' | 'rule' | 'message'>): void {
    const key = `${q.file}\u0000${q.rule}`;
    const counted = this.byFileRule.get(key) ?? { file: q.file, rule: q.rule, lines: 0, last: -1 };
    if (counted.last !== q.line) counted.lines++;
    counted.last = q.line;
    this.byFileRule.set(key, counted);
    const file = this.byFile.get(q.file) ?? { entries: 0, first: [] };
    file.entries++;
    if (file.first.length < this.keepMessages) file.first.push(q.message);
    this.byFile.set(q.file, file);
  }

  /** Entries of these files. */
  entriesOf(files: readonly string[]): number {
    return files.reduce((n, f) => n + (this.byFile.get(f)?.entries ?? 0), 0);
  }

  /** Distinct quarantined lines per file and rule of these files, most first. */
  rowsByFileAndRule(files: readonly string[]): { file: string; rule: string; lines: number }[] {
    const wanted = new Set(files);
    return [...this.byFileRule.values()].filter((c) => wanted.has(c.file)).map(({ file, rule, lines }) => ({ file, rule, lines }))
      .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.rule.localeCompare(b.rule));
  }

  /** The first `max` messages, files in the order given, each file's in line order. */
  firstMessages(files: readonly string[], max: number): string[] {
    if (max > this.keepMessages) throw new Error(`the tally kept ${this.keepMessages} messages a file, not ${max}`);
    return files.flatMap((f) => this.byFile.get(f)?.first ?? []).slice(0, max);
  }
}

function tallyOf(quarantine: readonly QuarantineEntry[], keepMessages: number): QuarantineTally {
  const tally = new QuarantineTally(keepMessages);
  for (const q of quarantine) tally.add(q);
  return tally;
}

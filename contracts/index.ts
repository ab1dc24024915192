/**
 * The data contracts of a drop and `validateDrop`, which checks a drop
 * folder against all of them. Nothing here writes anywhere: the caller
 * applies `rows` only when `ok` is true.
 */
import { readdir } from 'node:fs/promises';
import { z } from 'zod';
import { join } from 'node:path';
import { accounts } from './accounts';
import { contractFile } from './contract-file';
import { experiments } from './experiments';
import type { Contract } from './contract';
import { readCsvFile, UnreadableFileError } from './csv';
import { fxRates } from './fx-rates';
import { fxTable, USD_ONLY, type FxTable } from './fx';
import { invoices } from './invoices';
import { opportunities } from './opportunities';
import type { DropFileName, DropRows, DropValidation, FileReport, FxRateRow, QuarantineEntry } from './rows';
import { spend } from './spend';
import { touchpoints } from './touchpoints';
import { usage } from './usage';
import {
  addMalformed,
  checkHeader,
  finishFile,
  HeaderError,
  makeRecordValidator,
  newFileState,
  type FileState,
  type Row,
} from './validate-file';

export { accounts, contractFile, experiments, fxRates, invoices, opportunities, spend, touchpoints, usage };
export type { ColumnSpec, Contract, RowRule } from './contract';
export { DEFAULT_MAX_ERROR_RATE } from './contract';

/** Every contract by the file it governs. */
export const CONTRACTS: { readonly [K in DropFileName]: Contract<DropRows[K][number]> } = {
  accounts,
  opportunities,
  contracts: contractFile,
  touchpoints,
  spend,
  invoices,
  usage,
  fx_rates: fxRates,
  experiments,
};

/** Files are validated so that every file a rule looks up is complete before it is used. */
export const VALIDATION_ORDER: readonly DropFileName[] = [
  'fx_rates',
  'accounts',
  'opportunities',
  'contracts',
  'touchpoints',
  'spend',
  'invoices',
  'usage',
  'experiments',
];

/** Report order (and the order of `quarantine`): the order of rows.ts. */
const REPORT_ORDER: readonly DropFileName[] = [
  'accounts', 'opportunities', 'contracts', 'touchpoints', 'spend', 'invoices', 'usage', 'fx_rates', 'experiments',
];

export interface ValidateOptions {
  /** Overrides every contract's threshold (share of quarantined rows, 0..1). */
  maxErrorRate?: number;
  /** Called every PROGRESS_EVERY rows of a file and when it is done. */
  onProgress?: (file: string, rows: number) => void;
  /**
   * Called once a file's accepted rows are final (files are validated in
   * VALIDATION_ORDER and no later file changes an earlier one's verdicts)
   * with those rows (none when `retainRows` is false: they went to `sink`).
   * Whether the drop as a whole is accepted is known only when validateDrop
   * resolves.
   */
  onFileAccepted?: (name: DropFileName, rows: readonly unknown[]) => void;
  /**
   * Keep every accepted row in the result's `rows` (default true). False
   * leaves `rows` empty: each row goes to `sink` and is garbage once it is
   * written, so memory stays flat however large the drop.
   */
  retainRows?: boolean;
  /**
   * Keep every quarantine entry in the result's `quarantine` (default true).
   * False leaves it empty: entries go to `sink.quarantine` only, so a drop
   * with a million bad rows holds none of them (`quarantineRules` and the
   * file reports still say which rules broke, and how often).
   */
  retainQuarantine?: boolean;
  /** Receives accepted rows (and quarantine entries) as their verdicts become final, e.g. to COPY them while the drop is read. */
  sink?: AcceptedRowSink;
}

/**
 * Where accepted rows stream to. Within a file rows come in line order; a
 * row comes once no later check can quarantine it (at once in most files,
 * once the file is read in a file that references itself). Rows of a drop
 * that validateDrop then rejects came too: the caller undoes them (e.g. by
 * rolling back the transaction it loaded them in).
 */
export interface AcceptedRowSink {
  row(name: DropFileName, row: Readonly<Record<string, unknown>>): void;
  /**
   * A quarantine entry, in the order of `quarantine`'s within its file: by
   * line, a line's entries in the order its rules were checked. A file's
   * entries all come before its `fileDone`.
   */
  quarantine?(entry: QuarantineEntry): void;
  /** The file's last row has come; awaited before the next file is read. */
  fileDone?(name: DropFileName): Promise<void> | void;
  /** Asked after each chunk of input: a promise holds the reading back until the sink has caught up. */
  ready?(): Promise<void> | void;
}

/** FileReport plus what a data engineer should know about the header. */
export interface ContractFileReport extends FileReport {
  /** Optional columns absent from the header: their cells are read as empty. */
  missingOptionalColumns: string[];
}

/** A rule some of a file's rows broke, and the column it checks (null: the row as a whole). */
export interface QuarantineRule {
  file: string;
  rule: string;
  column: string | null;
}

export interface ContractDropValidation extends DropValidation {
  files: ContractFileReport[];
  /** Every (file, rule) of the quarantine once, files in report order, rules by the first line that broke them. */
  quarantineRules: QuarantineRule[];
}

const PROGRESS_EVERY = 50_000;

/** Files whose keys other files' rows name (the cascade looks them up). */
const REFERENCED = new Set<DropFileName>(
  (Object.values(CONTRACTS) as unknown as Contract[]).flatMap((c) => c.columns.flatMap((col) => (col.references ? [col.references] : []))),
);

/**
 * Validates one drop folder against the data contracts.
 * @example
 * const v = await validateDrop('./drops/2026-10');
 * if (!v.ok) console.error(v.errors.join('\n'));
 */
export async function validateDrop(dir: string, opts: ValidateOptions = {}): Promise<ContractDropValidation> {
  const errors: string[] = [];
  let names: Set<string>;
  try {
    names = new Set(await readdir(dir));
  } catch (err) {
    return failed(`${dir}: the drop folder cannot be read (${(err as Error).message})`);
  }

  const states = new Map<DropFileName, FileState>();
  const hashes = new Map<DropFileName, string>();
  const acceptedRows = new Map<DropFileName, unknown[]>();
  const retain = opts.retainRows ?? true;
  const retainQuarantine = opts.retainQuarantine ?? true;
  const quarantined = new Map<DropFileName, QuarantineOf>();
  const sink = opts.sink;
  let fx: FxTable = USD_ONLY;
  for (const name of VALIDATION_ORDER) {
    // The engine sees rows as cells by name; each contract's own types end at its module.
    const contract = CONTRACTS[name] as unknown as Contract<Row>;
    const plain = contract.file;
    const gz = `${plain}.gz`;
    if (names.has(plain) && names.has(gz)) {
      errors.push(`${plain}: both ${plain} and ${gz} are in the drop; keep only one (ambiguous)`);
      continue;
    }
    if (!names.has(plain) && !names.has(gz)) {
      if (contract.required) errors.push(`${plain}: required file is missing from the drop`);
      continue;
    }
    const file = names.has(gz) ? gz : plain;
    const q = quarantineOf(file, retainQuarantine, sink);
    quarantined.set(name, q);
    const state = newFileState(contract, file, REFERENCED.has(name), q.add);
    // fx_rates are kept whatever retainRows says: the later files convert with them.
    const kept: unknown[] = [];
    const keep = retain || name === 'fx_rates';
    const accept = (row: Row) => {
      assertSchema(contract, file, row);
      state.rowsAccepted++;
      if (keep) kept.push(row);
      sink?.row(name, row);
    };
    const validate = makeRecordValidator(state, fx, states, accept);
    const progress = opts.onProgress;
    try {
      const info = await readCsvFile(join(dir, file), {
        onHeader: (header) => checkHeader(state, header),
        onRecord: (rec) => {
          validate(rec);
          if (progress !== undefined && state.rowsRead % PROGRESS_EVERY === 0) progress(file, state.rowsRead);
        },
        onMalformed: (m) => addMalformed(state, m),
        ready: sink?.ready === undefined ? undefined : () => sink.ready!(),
      });
      hashes.set(name, info.sha256);
    } catch (err) {
      if (err instanceof UnreadableFileError || err instanceof HeaderError) {
        errors.push(err.message);
        await sink?.fileDone?.(name);
        continue;
      }
      throw err;
    }
    progress?.(file, state.rowsRead);
    finishFile(state, accept);
    states.set(name, state);

    if (state.rowsRead === 0 && contract.required) {
      errors.push(`${file}: required file has no data rows`);
    }
    const threshold = opts.maxErrorRate ?? contract.maxErrorRate;
    const lines = state.quarantinedLines.size;
    if (state.rowsRead > 0 && lines / state.rowsRead > threshold) {
      errors.push(
        `${file}: ${lines} of ${state.rowsRead} rows quarantined (${pct(lines / state.rowsRead)}), ` +
          `above the threshold of ${pct(threshold)}`,
      );
    }
    await sink?.fileDone?.(name);
    if (name === 'fx_rates') fx = fxTable(kept as FxRateRow[]);
    const rows = retain ? kept : [];
    acceptedRows.set(name, rows);
    opts.onFileAccepted?.(name, rows);
  }

  const files: ContractFileReport[] = [];
  const quarantine: QuarantineEntry[] = [];
  const quarantineRules: QuarantineRule[] = [];
  const rows = emptyRows();
  for (const name of REPORT_ORDER) {
    const state = states.get(name);
    if (state === undefined) continue;
    const ok = acceptedRows.get(name)!;
    files.push({
      file: state.file,
      sha256: hashes.get(name)!,
      contractVersion: state.contract.version,
      rowsRead: state.rowsRead,
      rowsAccepted: state.rowsAccepted,
      rowsQuarantined: state.quarantinedLines.size,
      extraColumns: state.extraColumns,
      missingOptionalColumns: state.missingOptionalColumns,
    });
    const q = quarantined.get(name)!;
    // One push per entry: spreading a million entries into push overflows the stack.
    for (const e of q.entries) quarantine.push(e);
    for (const [rule, column] of q.rules) quarantineRules.push({ file: state.file, rule, column });
    (rows as unknown as Record<string, unknown[]>)[name] = ok;
  }
  return { ok: errors.length === 0, errors, files, quarantine, quarantineRules, rows };
}

/** What a file's quarantine leaves behind once its entries have gone to the sink: its rules (and its entries, if retained). */
interface QuarantineOf {
  add: (entry: QuarantineEntry) => void;
  /** Rule -> column, in the order of the first line that broke each rule. */
  rules: Map<string, string | null>;
  entries: QuarantineEntry[];
}

function quarantineOf(file: string, retain: boolean, sink: AcceptedRowSink | undefined): QuarantineOf {
  const rules = new Map<string, string | null>();
  const entries: QuarantineEntry[] = [];
  let lastLine = 0;
  const add = (e: QuarantineEntry) => {
    // The sink and the rules' order rely on it: a file's entries come in line order (validate-file.ts).
    if (e.line < lastLine) throw new Error(`${file}: quarantine entry of line ${e.line} came after line ${lastLine} (a bug in acvloop's checks)`);
    lastLine = e.line;
    if (!rules.has(e.rule)) rules.set(e.rule, e.column);
    if (retain) entries.push(e);
    sink?.quarantine?.(e);
  };
  return { add, rules, entries };
}

/**
 * The zod schema of each contract states what an accepted row is. The
 * column checks above are what quarantine rows; the schema is the second,
 * independent guard on their output: an accepted row that breaks it means a
 * bug in the checks, and the drop must not go on as if it were valid.
 */
function assertSchema(contract: Contract<Row>, file: string, row: Row): void {
  const r = contract.schema.safeParse(row);
  if (!r.success) {
    throw new Error(`${file} line ${row.line}: an accepted row breaks the ${contract.name} contract's schema ` +
      `(a bug in acvloop's checks, not in the drop): ${z.prettifyError(r.error)}`);
  }
}

function emptyRows(): DropRows {
  return { accounts: [], opportunities: [], contracts: [], touchpoints: [], spend: [], invoices: [], usage: [], fx_rates: [], experiments: [] };
}

function failed(message: string): ContractDropValidation {
  return { ok: false, errors: [message], files: [], quarantine: [], quarantineRules: [], rows: emptyRows() };
}

const pct = (x: number): string => `${(x * 100).toFixed(1).replace(/\.0$/, '')}%`;

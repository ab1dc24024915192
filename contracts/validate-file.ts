/**
 * Checks the rows of one drop file against its contract.
 *
 * Reading is one streaming pass: each record's cells are parsed by the
 * column list, then uniqueness, the row rules and FX are checked. Rules
 * that name rows of another file (references, and the cascade when the
 * referenced row is itself quarantined) run in `resolveReferences` once the
 * whole file is read, because a file may reference itself (parent accounts,
 * renewed contracts).
 */
import { CELL_TYPE_WORDS, parseCell } from './cells';
import { uniqueRuleId, type ColumnSpec, type Contract } from './contract';
import type { CsvRecord, MalformedLine } from './csv';
import type { FxTable } from './fx';
import type { DropFileName, QuarantineEntry } from './rows';

/** A row while it is being checked: cells by column name, typed once parsed. */
export type Row = Record<string, unknown> & { line: number };

/** One well-formed record and what became of it. */
export interface RowState {
  line: number;
  fields: Record<string, string>;
  row: Row;
  /** Columns whose cell failed its type (their rules are skipped). */
  failed: Set<string> | null;
  /** First broken rule, or null while the row is accepted. */
  brokenRule: string | null;
  /** On a reference cycle: the cascade would only repeat no_cycle. */
  onCycle?: boolean;
}

export interface FileState {
  contract: Contract<Row>;
  /** Name on disk, e.g. `accounts.csv.gz`. */
  file: string;
  header: string[];
  extraColumns: string[];
  /** Optional columns absent from the header; their cells read as null. */
  missingOptionalColumns: string[];
  rowsRead: number;
  rows: RowState[];
  entries: QuarantineEntry[];
  /** Lines with at least one broken rule (malformed lines included). */
  quarantinedLines: Set<number>;
  /** First row of each value of the key other files reference. */
  keyIndex: Map<string, RowState>;
}

export class HeaderError extends Error {}

export function newFileState(contract: Contract<Row>, file: string): FileState {
  return {
    contract,
    file,
    header: [],
    extraColumns: [],
    missingOptionalColumns: [],
    rowsRead: 0,
    rows: [],
    entries: [],
    quarantinedLines: new Set(),
    keyIndex: new Map(),
  };
}

/** Header check: required columns present (else the drop fails), extras noted. */
export function checkHeader(state: FileState, header: string[]): void {
  const { contract, file } = state;
  state.header = header;
  const seen = new Set<string>();
  const repeated = header.filter((h) => (seen.has(h) ? true : (seen.add(h), false)));
  if (repeated.length > 0) {
    throw new HeaderError(`${file}: header repeats column(s) ${[...new Set(repeated)].join(', ')}`);
  }
  const known = new Set(contract.columns.map((c) => c.name));
  state.extraColumns = header.filter((h) => !known.has(h));
  const missing = contract.columns.filter((c) => !seen.has(c.name));
  const missingRequired = missing.filter((c) => c.required).map((c) => c.name);
  state.missingOptionalColumns = missing.filter((c) => !c.required).map((c) => c.name);
  if (missingRequired.length > 0) {
    const extra = state.extraColumns.length > 0 ? ` (it has ${state.extraColumns.join(', ')} instead)` : '';
    throw new HeaderError(`${file}: header lacks required column(s) ${missingRequired.join(', ')}${extra}`);
  }
}

const quote = (v: string): string => JSON.stringify(v);

function addEntry(
  state: FileState,
  line: number,
  raw: QuarantineEntry['raw'],
  column: string | null,
  rule: string,
  value: string | null,
  what: string,
): void {
  state.entries.push({ file: state.file, line, column, rule, value, message: `${state.file} line ${line}: ${what}`, raw });
  state.quarantinedLines.add(line);
}

function breakRow(state: FileState, rs: RowState, column: string | null, rule: string, value: string | null, what: string) {
  addEntry(state, rs.line, rs.fields, column, rule, value, what);
  if (rs.brokenRule === null) rs.brokenRule = rule;
}

export function addMalformed(state: FileState, m: MalformedLine): void {
  state.rowsRead++;
  addEntry(state, m.line, m.raw, null, `${state.contract.name}.malformed_line`, null, `malformed line: ${m.reason}`);
}

const RANGE_WORDS = { non_negative: 'must be >= 0', positive: 'must be > 0', percent: 'must be between 0 and 100' };

function inRange(range: ColumnSpec['range'], v: number): boolean {
  if (range === 'non_negative') return v >= 0;
  if (range === 'positive') return v > 0;
  return v >= 0 && v <= 100;
}

/** Validates one record against everything that needs no other row but earlier ones of this file. */
export function makeRecordValidator(state: FileState, fx: FxTable): (rec: CsvRecord) => void {
  const { contract } = state;
  const name = contract.name;
  const columns = contract.columns;
  const typeRule = columns.map((c) => `${name}.${c.name}.${c.type === 'enum' ? 'enum' : `type_${c.type}`}`);
  const nullRule = columns.map((c) => `${name}.${c.name}.not_null`);
  const rangeRule = columns.map((c) => `${name}.${c.name}.${c.range === 'percent' ? 'range' : c.range}`);
  const typeWords = columns.map((c) =>
    c.type === 'enum' ? `one of ${c.values!.join(', ')}` : CELL_TYPE_WORDS[c.type],
  );
  const uniques = contract.uniqueKeys.map((key) => ({ key, rule: uniqueRuleId(name, key), seen: new Map<string, number>() }));
  const keyColumn = contract.uniqueKeys[0]?.length === 1 ? contract.uniqueKeys[0][0] : null;
  const rowRules = contract.rowRules.map((r) => ({ ...r, ruleId: `${name}.${r.id}` }));
  const fxRule = `${name}.currency.fx_rate_available`;

  return (rec) => {
    state.rowsRead++;
    const { line, fields } = rec;
    const row: Row = { line };
    const rs: RowState = { line, fields, row, failed: null, brokenRule: null };
    for (let i = 0; i < columns.length; i++) {
      const col = columns[i];
      const text = fields[col.name];
      if (text === undefined || text === '') {
        row[col.name] = null;
        if (col.required) breakRow(state, rs, col.name, nullRule[i], text ?? null, `${col.name} is empty but is required`);
        continue;
      }
      const v = parseCell(col.type, text, col.values);
      if (v === undefined) {
        (rs.failed ??= new Set()).add(col.name);
        breakRow(state, rs, col.name, typeRule[i], text, `${col.name} ${quote(text)} is not ${typeWords[i]}`);
        continue;
      }
      if (col.range !== undefined && !inRange(col.range, v as number)) {
        (rs.failed ??= new Set()).add(col.name);
        breakRow(state, rs, col.name, rangeRule[i], text, `${col.name} ${quote(text)} ${RANGE_WORDS[col.range]}`);
      }
      row[col.name] = v;
    }

    for (const u of uniques) {
      let k = '';
      let complete = true;
      for (const c of u.key) {
        const v = row[c];
        if (v === null || v === undefined || rs.failed?.has(c)) complete = false;
        else k = k === '' ? String(v) : `${k},${String(v)}`;
      }
      if (!complete) continue;
      const first = u.seen.get(k);
      if (first === undefined) u.seen.set(k, line);
      else {
        const label = u.key.length === 1 ? u.key[0] : `(${u.key.join(', ')})`;
        breakRow(state, rs, u.key.join(','), u.rule, k, `${label} ${quote(k)} already appears on line ${first} (must be unique)`);
      }
    }
    if (keyColumn !== null && typeof row[keyColumn] === 'string' && !state.keyIndex.has(row[keyColumn] as string)) {
      state.keyIndex.set(row[keyColumn] as string, rs);
    }

    for (const r of rowRules) {
      if (rs.failed !== null && r.reads.some((c) => rs.failed!.has(c))) continue;
      if (r.reads.some((c) => row[c] === undefined)) continue;
      const what = r.check(row);
      if (what !== null) breakRow(state, rs, r.column, r.ruleId, fields[r.column] ?? null, what);
    }

    if (contract.fx && typeof row.currency === 'string') {
      const month = contract.fx.monthOf(row);
      if (month !== undefined) {
        const rate = fx.rate(row.currency, month);
        if (rate === undefined) {
          breakRow(state, rs, 'currency', fxRule, row.currency, `no FX rate for ${row.currency} in ${month} (month of ${contract.fx.monthFrom}): ${fx.missing(row.currency, month)}`);
        } else {
          for (const m of contract.fx.money) {
            const v = row[m];
            row[`${m}_usd`] = typeof v === 'number' ? v * rate : null;
          }
        }
      }
    }
    if (rs.brokenRule === null) contract.derive?.(row);
    state.rows.push(rs);
  };
}

/**
 * Reference rules of a file whose targets are fully validated: orphans
 * first, then reference cycles, then the cascade (a row naming a
 * quarantined row is quarantined), repeated until nothing changes.
 */
export function resolveReferences(state: FileState, files: ReadonlyMap<DropFileName, FileState>): void {
  const name = state.contract.name;
  for (const col of state.contract.columns) {
    if (col.references === undefined) continue;
    const target = files.get(col.references);
    // A target file that could not be read fails the drop on its own.
    if (target === undefined) continue;
    const orphanRule = `${name}.${col.name}.references_${col.references}`;
    const cascadeRule = `${name}.${col.name}.referenced_row_quarantined`;
    const targetKey = target.contract.uniqueKeys[0][0];
    const linked: { rs: RowState; to: RowState; value: string }[] = [];
    for (const rs of state.rows) {
      const v = rs.row[col.name];
      if (typeof v !== 'string') continue;
      const to = target.keyIndex.get(v);
      if (to === undefined) {
        breakRow(state, rs, col.name, orphanRule, v, `${col.name} ${quote(v)} does not reference any ${targetKey} in ${target.file}`);
      } else linked.push({ rs, to, value: v });
    }
    if (target === state) markCycles(state, col, linked);
    const done = new Set<RowState>();
    for (let changed = true; changed; ) {
      changed = false;
      for (const l of linked) {
        if (done.has(l.rs) || l.to.brokenRule === null || l.rs === l.to || l.rs.onCycle) continue;
        done.add(l.rs);
        changed = true;
        const why = l.to.brokenRule;
        breakRow(state, l.rs, col.name, cascadeRule, l.value,
          `${col.name} ${quote(l.value)} refers to ${target.file} line ${l.to.line}, which is quarantined (${why})`);
      }
      // Only a file referencing itself can change what it references.
      if (target !== state) break;
    }
  }
}

/** Rows on a cycle of self-references (A's parent is B, B's parent is A) break `<col>.no_cycle`. */
function markCycles(state: FileState, col: ColumnSpec, linked: { rs: RowState; to: RowState }[]): void {
  const next = new Map<RowState, RowState>();
  // Only the first row of each key is a node: duplicates are quarantined already.
  for (const l of linked) if (state.keyIndex.get(l.rs.row[state.contract.uniqueKeys[0][0]] as string) === l.rs) next.set(l.rs, l.to);
  const status = new Map<RowState, 1 | 2>(); // 1 = on the current walk, 2 = finished
  const keyCol = state.contract.uniqueKeys[0][0];
  const rule = `${state.contract.name}.${col.name}.no_cycle`;
  for (const start of next.keys()) {
    if (status.has(start)) continue;
    const path: RowState[] = [];
    let cur: RowState | undefined = start;
    while (cur !== undefined && !status.has(cur)) {
      status.set(cur, 1);
      path.push(cur);
      cur = next.get(cur);
    }
    if (cur !== undefined && status.get(cur) === 1) {
      const cycle = path.slice(path.indexOf(cur));
      const names = [...cycle, cycle[0]].map((r) => String(r.row[keyCol])).join(' -> ');
      for (const r of cycle) {
        r.onCycle = true;
        breakRow(state, r, col.name, rule, String(r.row[col.name]), `${col.name} ${quote(String(r.row[col.name]))} closes a cycle: ${names}`);
      }
    }
    for (const r of path) status.set(r, 2);
  }
}

/**
 * Checks the rows of one drop file against its contract.
 *
 * Reading is one streaming pass: each record's cells are parsed by the
 * column list, then uniqueness, the row rules, FX and references to other
 * files (validated before this one) are checked. References of a file to
 * itself (parent accounts, renewed contracts) and their cycles run in
 * `resolveSelfReferences` once the whole file is read.
 *
 * A row's verdict is final once its own checks ran, except in a file that
 * references itself: there every row's state is kept until the file is read
 * (the cascade may still quarantine it). So most rows go to `accept` as they
 * are read and nothing of them stays behind; what other files look up is
 * just each key's first line and the rule that broke a quarantined row.
 * Quarantine entries leave the same way, through the state's `quarantine`,
 * in line order: at once, or in a self-referencing file once it is read.
 */
import { CELL_TYPE_WORDS, parseCell } from './cells';
import { uniqueRuleId, type ColumnSpec, type Contract } from './contract';
import { toFields, type CsvRecord, type MalformedLine } from './csv';
import type { FxTable } from './fx';
import { KeyLines } from './key-lines';
import type { DropFileName, QuarantineEntry } from './rows';

/** A row while it is being checked: cells by column name, typed once parsed. */
export type Row = Record<string, unknown> & { line: number };

/** One well-formed record and what became of it. */
export interface RowState {
  line: number;
  /** Cells in header order, as read. */
  values: string[];
  row: Row;
  /** Columns whose cell failed its type or range (their rules are skipped). */
  failed: Set<string> | null;
  /** First broken rule, or null while the row is accepted. */
  brokenRule: string | null;
  /** On a reference cycle: the cascade would only repeat no_cycle. */
  onCycle: boolean;
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
  rowsAccepted: number;
  /** A column of this file names this file's own key (parent accounts, renewed contracts). */
  selfReferencing: boolean;
  /** Other files name this file's key: keep what their references look up. */
  referenced: boolean;
  /** Every well-formed row, kept only while a self-referencing file is read. */
  rows: RowState[];
  /** First row of each key value, while a self-referencing file is read. */
  keyIndex: Map<string, RowState>;
  /** First line of each key value (once the file is read, for every file with a one-column key). */
  keyLines: KeyLines;
  /** First broken rule of each quarantined well-formed row by line, in a referenced file. */
  brokenRules: Map<number, string>;
  /** Where entries go, in line order (a line's entries in the order its rules were checked). */
  quarantine: (entry: QuarantineEntry) => void;
  /**
   * A self-referencing file's entries until it is read: its cascade finds
   * entries on lines already passed. Other files' entries go out at once, so
   * none of them (nor the read buffer their cells are slices of) stays.
   */
  entries: QuarantineEntry[];
  /** Lines with at least one broken rule (malformed lines included). */
  quarantinedLines: Set<number>;
}

export class HeaderError extends Error {}

export function newFileState(
  contract: Contract<Row>, file: string, referenced: boolean, quarantine: (entry: QuarantineEntry) => void,
): FileState {
  return {
    contract,
    file,
    header: [],
    extraColumns: [],
    missingOptionalColumns: [],
    rowsRead: 0,
    rowsAccepted: 0,
    selfReferencing: contract.columns.some((c) => c.references === contract.name),
    referenced,
    rows: [],
    keyIndex: new Map(),
    keyLines: new KeyLines(),
    brokenRules: new Map(),
    quarantine,
    entries: [],
    quarantinedLines: new Set(),
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
  const entry = { file: state.file, line, column, rule, value, message: `${state.file} line ${line}: ${what}`, raw };
  if (state.selfReferencing) state.entries.push(entry);
  else state.quarantine(entry);
  state.quarantinedLines.add(line);
}

function breakRow(state: FileState, rs: RowState, column: string | null, rule: string, value: string | null, what: string) {
  addEntry(state, rs.line, toFields(state.header, rs.values), column, rule, value, what);
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

/**
 * Validates one record: cell types, ranges, uniqueness (against earlier
 * rows), references to files read before, row rules and FX. Call after the
 * header is checked: cells are read by header position. An accepted row of
 * a file that does not reference itself goes to `accept` at once.
 */
export function makeRecordValidator(
  state: FileState,
  fx: FxTable,
  files: ReadonlyMap<DropFileName, FileState>,
  accept: (row: Row) => void,
): (rec: CsvRecord) => void {
  const plan = recordPlan(state, files);
  const { contract } = state;
  const { selfReferencing, referenced } = plan;
  let indexed = false;

  return (rec) => {
    if (!indexed) {
      for (const c of plan.columns) c.index = state.header.indexOf(c.name);
      indexed = true;
    }
    state.rowsRead++;
    const line = rec.line;
    const rs: RowState = { line, values: rec.values, row: NO_ROW, failed: null, brokenRule: null, onCycle: false };
    parseCells(plan, state, rs);
    const row = plan.makeRow(line, plan.parsed);
    rs.row = row;
    checkKey(plan, state, rs);
    checkUniques(plan, state, rs);
    checkReferences(plan, state, rs);
    checkRowRules(plan, state, rs, row);
    checkFx(plan, state, rs, row, fx);
    if (rs.brokenRule === null) contract.derive?.(row);
    if (selfReferencing) state.rows.push(rs);
    else if (rs.brokenRule === null) accept(row);
    else if (referenced) state.brokenRules.set(line, rs.brokenRule);
  };
}

/**
 * What checking a record of this file needs, worked out once from its
 * contract: each column's rule ids and words, the keys, the references to
 * files read before, the row rules and the FX columns.
 */
function recordPlan(state: FileState, files: ReadonlyMap<DropFileName, FileState>) {
  const { contract } = state;
  const name = contract.name;
  const columns = contract.columns.map((c) => ({
    ...c,
    index: -1,
    typeRule: `${name}.${c.name}.${c.type === 'enum' ? 'enum' : `type_${c.type}`}`,
    nullRule: `${name}.${c.name}.not_null`,
    rangeRule: `${name}.${c.name}.${c.range === 'percent' ? 'range' : c.range}`,
    typeWords: c.type === 'enum' ? `one of ${c.values!.join(', ')}` : CELL_TYPE_WORDS[c.type],
  }));
  const keyColumn = contract.uniqueKeys[0]?.length === 1 ? contract.uniqueKeys[0][0] : null;
  // The referenced key is checked through keyIndex; other keys get a map of their own.
  // Cells are parsed into `parsed` by column position and read from there by position:
  // reading a row by a column name held in a variable is a slow generic lookup per cell.
  const at = (column: string) => contract.columns.findIndex((c) => c.name === column);
  const fxSpec = contract.fx;
  return {
    columns,
    parsed: contract.columns.map(() => null) as unknown[],
    keyColumn,
    keyRule: keyColumn !== null ? uniqueRuleId(name, [keyColumn]) : '',
    keyAt: keyColumn !== null ? at(keyColumn) : -1,
    keyLines: state.keyLines,
    selfReferencing: state.selfReferencing,
    referenced: state.referenced,
    uniques: contract.uniqueKeys
      .filter((key) => !(key.length === 1 && key[0] === keyColumn))
      .map((key) => ({ key, at: key.map(at), rule: uniqueRuleId(name, key), seen: new KeyLines() })),
    rowRules: contract.rowRules.map((r) => ({ ...r, ruleId: `${name}.${r.id}` })),
    fxSpec,
    fxRule: `${name}.currency.fx_rate_available`,
    currencyAt: at('currency'),
    setUsd: usdSetter(fxSpec?.money ?? []),
    makeRow: rowFactory(contract),
    // A target file that could not be read fails the drop on its own: skip its references.
    refs: contract.columns.flatMap((c) => {
      const target = c.references !== undefined && c.references !== name ? files.get(c.references) : undefined;
      return target === undefined ? [] : [{ column: c.name, at: at(c.name), target, ...referenceRules(name, c) }];
    }),
  };
}
type RecordPlan = ReturnType<typeof recordPlan>;

/** Each cell by its column's type and range, into `plan.parsed` by column position (null where empty or broken). */
function parseCells(plan: RecordPlan, state: FileState, rs: RowState): void {
  const { columns, parsed } = plan;
  const values = rs.values;
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i];
    const text = col.index < 0 ? '' : values[col.index];
    parsed[i] = null;
    if (text === '') {
      if (col.required) breakRow(state, rs, col.name, col.nullRule, null, `${col.name} is empty but is required`);
      continue;
    }
    const v = parseCell(col.type, text, col.values);
    if (v === undefined) {
      (rs.failed ??= new Set()).add(col.name);
      breakRow(state, rs, col.name, col.typeRule, text, `${col.name} ${quote(text)} is not ${col.typeWords}`);
      continue;
    }
    if (col.range !== undefined && !inRange(col.range, v as number)) {
      (rs.failed ??= new Set()).add(col.name);
      breakRow(state, rs, col.name, col.rangeRule, text, `${col.name} ${quote(text)} ${RANGE_WORDS[col.range]}`);
    }
    parsed[i] = v;
  }
}

/** The one-column key against the earlier rows of this file. */
function checkKey(plan: RecordPlan, state: FileState, rs: RowState): void {
  const { keyColumn } = plan;
  if (keyColumn === null) return;
  const key = plan.parsed[plan.keyAt];
  if (typeof key !== 'string') return;
  // Only a self-referencing file needs the row state behind a key.
  const first = plan.selfReferencing ? state.keyIndex.get(key)?.line : plan.keyLines.get(key);
  if (first === undefined) {
    if (plan.selfReferencing) state.keyIndex.set(key, rs);
    else plan.keyLines.set(key, rs.line);
  } else {
    breakRow(state, rs, keyColumn, plan.keyRule, key, `${keyColumn} ${quote(key)} already appears on line ${first} (must be unique)`);
  }
}

/** Every other unique key, once all its cells are present and well-typed. */
function checkUniques(plan: RecordPlan, state: FileState, rs: RowState): void {
  const { parsed } = plan;
  for (const u of plan.uniques) {
    let k = '';
    let complete = true;
    for (let j = 0; j < u.key.length; j++) {
      const c = u.key[j];
      const v = parsed[u.at[j]];
      if (v === null || rs.failed?.has(c)) complete = false;
      else k = k === '' ? String(v) : `${k},${String(v)}`;
    }
    if (!complete) continue;
    const first = u.seen.get(k);
    if (first === undefined) u.seen.set(k, rs.line);
    else {
      breakRow(state, rs, u.key.join(','), u.rule, k,
        `(${u.key.join(', ')}) ${quote(k)} already appears on line ${first} (must be unique)`);
    }
  }
}

/** References to files read before: an orphan, or a row naming a quarantined row. */
function checkReferences(plan: RecordPlan, state: FileState, rs: RowState): void {
  const { refs, parsed } = plan;
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i];
    const v = parsed[ref.at];
    if (typeof v !== 'string') continue;
    const to = ref.target.keyLines.get(v);
    if (to === undefined) breakOrphan(state, rs, ref.column, ref.orphanRule, v, ref.target);
    else {
      const toRule = ref.target.brokenRules.get(to);
      if (toRule !== undefined) breakCascade(state, rs, ref.column, ref.cascadeRule, v, ref.target, to, toRule);
    }
  }
}

/** The contract's row rules, skipping a rule that reads a cell which failed its type or range. */
function checkRowRules(plan: RecordPlan, state: FileState, rs: RowState, row: Row): void {
  const { rowRules } = plan;
  for (let i = 0; i < rowRules.length; i++) {
    const r = rowRules[i];
    if (rs.failed !== null && r.reads.some((c) => rs.failed!.has(c))) continue;
    const what = r.check(row);
    if (what !== null) breakRow(state, rs, r.column, r.ruleId, typeof row[r.column] === 'string' || typeof row[r.column] === 'number' ? String(row[r.column]) : null, what);
  }
}

/** The FX rate of the row's currency in its month, and the money columns in USD at it. */
function checkFx(plan: RecordPlan, state: FileState, rs: RowState, row: Row, fx: FxTable): void {
  const { fxSpec } = plan;
  const currency = plan.currencyAt < 0 ? null : plan.parsed[plan.currencyAt];
  if (fxSpec === undefined || typeof currency !== 'string' || rs.failed?.has('currency') === true) return;
  const month = fxSpec.monthOf(row);
  if (month === undefined) return;
  const rate = fx.rate(currency, month);
  if (rate === undefined) {
    breakRow(state, rs, 'currency', plan.fxRule, currency,
      `no FX rate for ${currency} in ${month} (month of ${fxSpec.monthFrom}): ${fx.missing(currency, month)}`);
  } else {
    plan.setUsd(row, rate);
  }
}

/**
 * Once a file is read: a self-referencing file resolves its references,
 * sends its entries to `quarantine` and its accepted rows to `accept` in
 * line order, and keeps only what other files look up; its row states go.
 */
export function finishFile(state: FileState, accept: (row: Row) => void): void {
  // Uniqueness is decided; only references from later files still need the keys.
  if (!state.referenced) state.keyLines = new KeyLines();
  if (!state.selfReferencing) return;
  resolveSelfReferences(state);
  releaseEntriesInLineOrder(state);
  for (const rs of state.rows) {
    if (rs.brokenRule === null) accept(rs.row);
    else if (state.referenced) state.brokenRules.set(rs.line, rs.brokenRule);
  }
  for (const [key, rs] of state.keyIndex) state.keyLines.set(key, rs.line);
  state.rows = [];
  state.keyIndex = new Map();
}

/** A self-referencing file's entries by line; stable, so a line keeps its own rules before its cascades. */
function releaseEntriesInLineOrder(state: FileState): void {
  const order = state.entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.line - b.e.line || a.i - b.i);
  state.entries = [];
  for (const { e } of order) state.quarantine(e);
}

/** Placeholder of a row state's row until the row is built. */
const NO_ROW: Row = { line: 0 };

/**
 * A function returning a fresh row from the parsed cells (by column
 * position), with every *_usd column already present: one object literal of
 * fixed shape per contract is several times faster than a row filled key by
 * key, which makes V8 fall back to slow dictionary objects on a million
 * rows. The column names come from the contract, never from the data.
 */
function rowFactory(contract: Contract<Row>): (line: number, parsed: readonly unknown[]) => Row {
  const derived = [...(contract.fx?.money.map((m) => `${m}_usd`) ?? []), ...(contract.name === 'contracts' ? ['acv_usd'] : [])];
  const cells = [
    ...contract.columns.map((c, i) => `${JSON.stringify(c.name)}: parsed[${i}]`),
    ...derived.map((n) => `${JSON.stringify(n)}: null`),
  ];
  return new Function('line', 'parsed', `return { line: line, ${cells.join(', ')} };`) as (line: number, parsed: readonly unknown[]) => Row;
}

/** Sets each money column's `<column>_usd` at an FX rate (null where the amount is null); generated like rowFactory. */
function usdSetter(money: readonly string[]): (row: Row, rate: number) => void {
  const body = money.map((m) => {
    const [from, to] = [JSON.stringify(m), JSON.stringify(`${m}_usd`)];
    return `row[${to}] = typeof row[${from}] === 'number' ? row[${from}] * rate : null;`;
  }).join('\n');
  return new Function('row', 'rate', body) as (row: Row, rate: number) => void;
}

const referenceRules = (name: DropFileName, col: ColumnSpec) => ({
  orphanRule: `${name}.${col.name}.references_${col.references}`,
  cascadeRule: `${name}.${col.name}.referenced_row_quarantined`,
});

function breakOrphan(state: FileState, rs: RowState, column: string, rule: string, v: string, target: FileState): void {
  const key = target.contract.uniqueKeys[0][0];
  breakRow(state, rs, column, rule, v, `${column} ${quote(v)} does not reference any ${key} in ${target.file}`);
}

function breakCascade(
  state: FileState, rs: RowState, column: string, rule: string, v: string, target: FileState, toLine: number, toRule: string,
): void {
  breakRow(state, rs, column, rule, v, `${column} ${quote(v)} refers to ${target.file} line ${toLine}, which is quarantined (${toRule})`);
}

/**
 * References of a file to itself, once the file is read: orphans, then
 * cycles, then the cascade (a row naming a quarantined row is quarantined),
 * repeated until nothing changes.
 */
function resolveSelfReferences(state: FileState): void {
  const name = state.contract.name;
  for (const col of state.contract.columns) {
    if (col.references !== name) continue;
    const { orphanRule, cascadeRule } = referenceRules(name, col);
    const linked: { rs: RowState; to: RowState; value: string }[] = [];
    for (const rs of state.rows) {
      const v = rs.row[col.name];
      if (typeof v !== 'string') continue;
      const to = state.keyIndex.get(v);
      if (to === undefined) breakOrphan(state, rs, col.name, orphanRule, v, state);
      else linked.push({ rs, to, value: v });
    }
    markCycles(state, col, linked);
    const done = new Set<RowState>();
    for (let changed = true; changed; ) {
      changed = false;
      for (const l of linked) {
        if (done.has(l.rs) || l.to.brokenRule === null || l.rs === l.to || l.rs.onCycle) continue;
        done.add(l.rs);
        changed = true;
        breakCascade(state, l.rs, col.name, cascadeRule, l.value, state, l.to.line, l.to.brokenRule);
      }
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

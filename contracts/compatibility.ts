/**
 * Breaking-change detection between two versions of a data contract, and
 * the check of the current contracts against their published snapshots.
 *
 * A contract's published form is its ODCS document (`export-odcs.ts`);
 * every released version is kept as `contracts/published/<name>/<version>.json`.
 * Changes are judged from the producer's side, the side that sends drops:
 * a change is **breaking** when a drop that passed the old contract can fail
 * the new one (removed column, narrowed type, nullable → required, enum value
 * removed, min raised / max lowered, pattern added or changed, new required
 * column, new relationship or uniqueness, new row rule, lower error
 * threshold, file made required) and **compatible** otherwise (added optional
 * column, loosened rule, enum value added, wording).
 *
 * Versions are semver: a contract that differs from its latest snapshot
 * needs a higher version, and a breaking change a higher major version.
 * `contractChangesSinceLastPublished` is what `acvloop contracts check` and
 * the validate stage call before a run uses a contract.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLISHED_DIR } from './published-dir';
import type { CellType } from './cells';
import type { Contract } from './contract';
import { toOdcs, type OdcsDocument, type OdcsProperty, type OdcsQuality } from './export-odcs';
import { CONTRACTS } from './index';
import type { DropFileName } from './rows';

/** Where the snapshots of released contract versions live (committed with the code). */
export { PUBLISHED_DIR };

export type ChangeKind = 'breaking' | 'compatible';

export interface ContractChange {
  /** The contract (drop file) name, e.g. `accounts`. */
  contract: string;
  /** The column the change is about; null for the file as a whole. */
  column: string | null;
  /** The rule id the change touches (a quality entry's name), or `<name>.<column>.column` / `<name>.file` for structure. */
  rule: string;
  kind: ChangeKind;
  what: string;
}

interface Bound { value: number; exclusive: boolean }

/** What the comparison reads of a property. */
interface ColumnShape {
  name: string;
  type: CellType;
  required: boolean;
  values: readonly string[] | null;
  lower: Bound | null;
  upper: Bound | null;
  pattern: string | null;
  unique: boolean;
  references: string | null;
  description: string;
}

const props = (doc: OdcsDocument): OdcsProperty[] => doc.schema[0]?.properties ?? [];
const objectQuality = (doc: OdcsDocument): OdcsQuality[] => doc.schema[0]?.quality ?? [];
const custom = (doc: OdcsDocument, key: string): unknown => doc.schema[0]?.customProperties?.find((c) => c.property === key)?.value;

function shapeOf(p: OdcsProperty): ColumnShape {
  const o = p.logicalTypeOptions ?? {};
  const enumRule = p.quality.find((q) => q.metric === 'invalidValues' && q.arguments?.validValues !== undefined);
  return {
    name: p.name,
    type: p.physicalType,
    required: p.required,
    values: enumRule?.arguments?.validValues ?? null,
    lower: o.exclusiveMinimum !== undefined ? { value: o.exclusiveMinimum, exclusive: true } : o.minimum !== undefined ? { value: o.minimum, exclusive: false } : null,
    upper: o.exclusiveMaximum !== undefined ? { value: o.exclusiveMaximum, exclusive: true } : o.maximum !== undefined ? { value: o.maximum, exclusive: false } : null,
    pattern: o.pattern ?? null,
    unique: p.unique,
    references: p.relationships?.[0]?.to ?? null,
    description: p.description ?? '',
  };
}

/** Quality entries of a document by rule id, and the column each sits on (null: the object). */
function rulesOf(doc: OdcsDocument): Map<string, { q: OdcsQuality; column: string | null }> {
  const m = new Map<string, { q: OdcsQuality; column: string | null }>();
  for (const p of props(doc)) for (const q of p.quality) m.set(q.name, { q, column: p.name });
  for (const q of objectQuality(doc)) m.set(q.name, { q, column: null });
  return m;
}

const NUMBERS: ReadonlySet<CellType> = new Set(['money', 'decimal']);

/**
 * Whether every text the old type accepts is accepted by the new one (the
 * parsers of `cells.ts`): any text is an id or text; an int is a decimal;
 * money and decimal parse alike; a date is a timestamp (midnight UTC).
 */
export function typeAccepts(newType: CellType, oldType: CellType): boolean {
  if (newType === oldType) return true;
  if (newType === 'text' || newType === 'id') return true;
  if (NUMBERS.has(newType) && (oldType === 'int' || NUMBERS.has(oldType))) return true;
  return newType === 'ts' && oldType === 'date';
}

/** Lower bound `b` excludes a value `a` admits (a min raised); pass `upper` to compare maxima. */
function tighter(a: Bound | null, b: Bound | null, upper: boolean): boolean {
  if (b === null) return false;
  if (a === null) return true;
  if (a.value !== b.value) return upper ? b.value < a.value : b.value > a.value;
  return b.exclusive && !a.exclusive;
}

const boundWords = (b: Bound | null, upper: boolean): string =>
  b === null ? 'none' : `${upper ? (b.exclusive ? '<' : '<=') : (b.exclusive ? '>' : '>=')} ${b.value}`;

/**
 * The changes from one version of a contract document to another.
 * @example
 * compareContracts(toOdcs(accounts), toOdcs({ ...accounts, columns: accounts.columns.slice(1) }))[0];
 * // { contract: 'accounts', column: 'account_id', rule: 'accounts.account_id.column', kind: 'breaking', what: 'column account_id removed' }
 */
export function compareContracts(before: OdcsDocument, after: OdcsDocument): ContractChange[] {
  const name = after.name;
  const changes: ContractChange[] = [];
  // Rule ids a structural change already speaks for, so the rule-by-rule pass does not repeat it.
  const explained = new Set<string>();
  const add = (column: string | null, rule: string, kind: ChangeKind, what: string, alsoExplains: string[] = []) => {
    changes.push({ contract: name, column, rule, kind, what });
    explained.add(rule);
    for (const r of alsoExplains) explained.add(r);
  };
  const oldRules = rulesOf(before);
  const newRules = rulesOf(after);
  const idsOn = (rules: typeof oldRules, column: string) => [...rules].filter(([, v]) => v.column === column).map(([id]) => id);

  const oldCols = new Map(props(before).map((p) => [p.name, shapeOf(p)]));
  const newCols = new Map(props(after).map((p) => [p.name, shapeOf(p)]));
  for (const col of oldCols.keys()) {
    if (!newCols.has(col)) {
      add(col, `${name}.${col}.column`, 'breaking', `column ${col} removed (a drop that has it still passes, but its data is no longer read)`, idsOn(oldRules, col));
    }
  }
  for (const [col, n] of newCols) {
    const o = oldCols.get(col);
    const ruleOn = (suffix: string) => `${name}.${col}.${suffix}`;
    if (o === undefined) {
      if (n.required) add(col, ruleOn('not_null'), 'breaking', `new required column ${col}: drops without it are rejected`, idsOn(newRules, col));
      else add(col, ruleOn('column'), 'compatible', `new optional column ${col}`, idsOn(newRules, col));
      continue;
    }
    if (o.type !== n.type) {
      const rule = n.type === 'enum' ? ruleOn('enum') : ruleOn(`type_${n.type}`);
      const related = [ruleOn('enum'), ruleOn(`type_${o.type}`), ruleOn(`type_${n.type}`)];
      if (typeAccepts(n.type, o.type)) add(col, rule, 'compatible', `${col} type widened from ${o.type} to ${n.type}`, related);
      else add(col, rule, 'breaking', `${col} type narrowed from ${o.type} to ${n.type}`, related);
    } else if (o.pattern !== n.pattern) {
      const rule = ruleOn(`type_${n.type}`);
      if (n.pattern === null) add(col, rule, 'compatible', `${col} pattern ${o.pattern} removed`);
      else add(col, rule, 'breaking', o.pattern === null ? `${col} pattern ${n.pattern} added` : `${col} pattern changed from ${o.pattern} to ${n.pattern}`);
    }
    if (o.required !== n.required) {
      if (n.required) add(col, ruleOn('not_null'), 'breaking', `${col} was nullable and is now required`);
      else add(col, ruleOn('not_null'), 'compatible', `${col} was required and may now be empty`);
    }
    if (o.values !== null && n.values !== null) {
      const removed = o.values.filter((v) => !n.values!.includes(v));
      const added = n.values.filter((v) => !o.values!.includes(v));
      if (removed.length > 0) add(col, ruleOn('enum'), 'breaking', `${col} no longer allows ${removed.join(', ')}`);
      if (added.length > 0) add(col, ruleOn('enum'), 'compatible', `${col} now also allows ${added.join(', ')}`);
    }
    const rangeIds = ['non_negative', 'positive', 'range'].map(ruleOn);
    const rangeRule = rangeIds.find((id) => newRules.has(id)) ?? rangeIds.find((id) => oldRules.has(id)) ?? ruleOn('range');
    for (const upper of [false, true]) {
      const [a, b] = upper ? [o.upper, n.upper] : [o.lower, n.lower];
      if (JSON.stringify(a) === JSON.stringify(b)) continue;
      const what = `${col} ${upper ? 'maximum' : 'minimum'} ${boundWords(a, upper)} → ${boundWords(b, upper)}`;
      add(col, rangeRule, tighter(a, b, upper) ? 'breaking' : 'compatible', tighter(a, b, upper) ? `${what} (tightened)` : `${what} (loosened)`, rangeIds);
    }
    if (o.unique !== n.unique) {
      const rule = ruleOn('unique');
      add(col, rule, n.unique ? 'breaking' : 'compatible', n.unique ? `${col} must now be unique` : `${col} no longer needs to be unique`);
    }
    if (o.references !== n.references) {
      const target = (n.references ?? o.references)!.split('.')[0];
      const refIds = [...oldRules.keys(), ...newRules.keys()].filter((id) =>
        id.startsWith(`${name}.${col}.references_`) || id === ruleOn('referenced_row_quarantined') || id === ruleOn('no_cycle'));
      const rule = ruleOn(`references_${target}`);
      if (n.references === null) add(col, rule, 'compatible', `${col} no longer references ${o.references}`, refIds);
      else if (o.references === null) add(col, rule, 'breaking', `${col} now references ${n.references} (relationship added)`, refIds);
      else add(col, rule, 'breaking', `${col} references ${n.references} instead of ${o.references}`, refIds);
    }
    if (o.description !== n.description) add(col, ruleOn('column'), 'compatible', `${col} description changed (documentation)`);
  }

  const oldRequired = custom(before, 'requiredFile') === true;
  const newRequired = custom(after, 'requiredFile') === true;
  if (oldRequired !== newRequired) {
    add(null, `${name}.file`, newRequired ? 'breaking' : 'compatible', newRequired ? `${name} file is now required in every drop` : `${name} file is now optional`);
  }
  const oldRate = Number(custom(before, 'maxErrorRate'));
  const newRate = Number(custom(after, 'maxErrorRate'));
  if (oldRate !== newRate) {
    add(null, `${name}.max_error_rate`, newRate < oldRate ? 'breaking' : 'compatible', `error threshold ${oldRate} → ${newRate}`);
  }

  // Rule by rule: what the structure above did not account for (row rules, key sets, FX, ...).
  for (const [id, { q, column }] of newRules) {
    if (explained.has(id)) continue;
    const old = oldRules.get(id);
    if (old === undefined) add(column ?? ruleColumn(q), id, 'breaking', `new rule ${id}: ${q.description}`);
    else if (qualityKey(old.q) !== qualityKey(q)) {
      if (q.type === 'text' && old.q.type === 'text' && readsOf(old.q) === readsOf(q)) {
        add(column ?? ruleColumn(q), id, 'compatible', `rule ${id} reworded (documentation)`);
      } else {
        add(column ?? ruleColumn(q), id, 'breaking', `rule ${id} changed: ${q.description}`);
      }
    }
  }
  for (const [id, { q, column }] of oldRules) {
    if (!explained.has(id) && !newRules.has(id)) add(column ?? ruleColumn(q), id, 'compatible', `rule ${id} removed`);
  }

  if (changes.length === 0 && canonical(withoutVersion(before)) !== canonical(withoutVersion(after))) {
    add(null, `${name}.document`, 'compatible', 'contract document changed outside its columns and rules (e.g. owner or description)');
  }
  return changes;
}

const ruleColumn = (q: OdcsQuality): string | null => {
  const c = q.customProperties?.find((p) => p.property === 'column')?.value;
  return typeof c === 'string' ? c : null;
};
const readsOf = (q: OdcsQuality): string => JSON.stringify(q.customProperties?.find((p) => p.property === 'reads')?.value ?? null);
const qualityKey = (q: OdcsQuality): string => canonical(q);

/** JSON with object keys sorted: equal documents give equal text whatever their key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v);
}

const withoutVersion = (doc: OdcsDocument): Omit<OdcsDocument, 'version'> => {
  const { version: _v, ...rest } = doc;
  return rest;
};

/** `1.2.3` → [1, 2, 3]; anything else is refused with the contract named. */
export function parseSemver(version: string, where: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (m === null) throw new Error(`${where}: version "${version}" is not semver MAJOR.MINOR.PATCH`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a, 'version');
  const y = parseSemver(b, 'version');
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** One contract against its latest snapshot. */
export interface ContractStatus {
  contract: string;
  file: string;
  version: string;
  /** Latest published version, or null when the contract was never published. */
  published: string | null;
  /** Whether `version` itself has a snapshot. */
  versionPublished: boolean;
  changes: ContractChange[];
  /** What is wrong (non-empty fails `contracts check`); each names the file, and the column and rule where one applies. */
  problems: string[];
}

/** Versions with a snapshot for one contract, oldest first. */
export function publishedVersions(name: string, dir = PUBLISHED_DIR): string[] {
  const folder = join(dir, name);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => /^\d+\.\d+\.\d+\.json$/.test(f))
    .map((f) => f.slice(0, -'.json'.length))
    .sort(compareSemver);
}

export function readSnapshot(name: string, version: string, dir = PUBLISHED_DIR): OdcsDocument {
  const path = join(dir, name, `${version}.json`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as OdcsDocument;
  } catch (err) {
    throw new Error(`${path}: the published contract snapshot cannot be read (${(err as Error).message})`);
  }
}

/**
 * Judges one contract document against the latest published one: a changed
 * contract must carry a higher version, a breaking change a higher major.
 */
export function checkAgainstPublished(current: OdcsDocument, latest: OdcsDocument | null, file: string): ContractStatus {
  const status: ContractStatus = {
    contract: current.name, file, version: current.version, published: latest?.version ?? null,
    versionPublished: latest !== null && latest.version === current.version, changes: [], problems: [],
  };
  const [major] = parseSemver(current.version, `${file} contract`);
  if (latest === null) return status;
  const [publishedMajor] = parseSemver(latest.version, `published ${file} contract`);
  status.changes = compareContracts(latest, current);
  const order = compareSemver(current.version, latest.version);
  const where = (c: ContractChange) => `${file}${c.column !== null ? ` column ${c.column}` : ''} rule ${c.rule}`;
  if (order < 0) {
    status.problems.push(`${file}: contract version ${current.version} is lower than the published ${latest.version}`);
  } else if (order === 0 && status.changes.length > 0) {
    for (const c of status.changes) {
      status.problems.push(`${where(c)}: ${c.what} — a ${c.kind} change with no version bump (still ${current.version}; ` +
        `publish it as ${c.kind === 'breaking' ? `${publishedMajor + 1}.0.0` : 'a higher version'})`);
    }
  } else if (order > 0 && major === publishedMajor) {
    for (const c of status.changes.filter((x) => x.kind === 'breaking')) {
      status.problems.push(`${where(c)}: ${c.what} — a breaking change needs a major version (${publishedMajor + 1}.0.0), not ${current.version}`);
    }
  }
  return status;
}

/**
 * Every contract's changes since its latest published snapshot, and what is
 * wrong with its version. The validate stage calls this so that a contract
 * changed without a proper version is flagged before a run uses it.
 * @example
 * const bad = contractChangesSinceLastPublished().filter((s) => s.problems.length > 0);
 */
export function contractChangesSinceLastPublished(
  opts: { dir?: string; contracts?: readonly Contract<any>[] } = {},
): ContractStatus[] {
  const dir = opts.dir ?? PUBLISHED_DIR;
  const contracts = opts.contracts ?? (Object.keys(CONTRACTS) as DropFileName[]).map((n) => CONTRACTS[n] as Contract<any>);
  return contracts.map((c) => {
    const versions = publishedVersions(c.name, dir);
    const latest = versions.length > 0 ? readSnapshot(c.name, versions[versions.length - 1], dir) : null;
    return checkAgainstPublished(toOdcs(c), latest, c.file);
  });
}

/**
 * Throws when some contract changed without the version its change needs:
 * the one call a stage makes before a run uses the contracts (the error
 * names file, column and rule of each problem).
 * @example
 * assertContractVersions(); // at the start of validate
 */
export function assertContractVersions(opts: { dir?: string; contracts?: readonly Contract<any>[] } = {}): void {
  const problems = contractChangesSinceLastPublished(opts).flatMap((s) => s.problems);
  if (problems.length > 0) throw new Error(`data contracts changed without a proper version: ${problems.join('; ')}`);
}

export interface PublishResult { contract: string; version: string; path: string; written: boolean }

/**
 * Writes the snapshot of every contract's current version. Refuses (before
 * writing anything) when a check problem stands or when a version already
 * has a snapshot with different content.
 */
export function publishContracts(opts: { dir?: string; contracts?: readonly Contract<any>[] } = {}): PublishResult[] {
  const dir = opts.dir ?? PUBLISHED_DIR;
  const contracts = opts.contracts ?? (Object.keys(CONTRACTS) as DropFileName[]).map((n) => CONTRACTS[n] as Contract<any>);
  const plans = contracts.map((c) => {
    const doc = toOdcs(c);
    const path = join(dir, c.name, `${c.version}.json`);
    const text = JSON.stringify(doc, null, 2) + '\n';
    if (existsSync(path)) {
      const existing = readSnapshot(c.name, c.version, dir);
      if (canonical(existing) !== canonical(doc)) {
        const what = compareContracts(existing, doc).map((x) => `${x.column ?? '-'} ${x.rule}: ${x.what}`).join('; ');
        throw new Error(`${path} already holds ${c.file} contract ${c.version} with different content (${what}); ` +
          `raise the version in the contract before publishing`);
      }
      return { contract: c.name, version: c.version, path, text, written: false };
    }
    return { contract: c.name, version: c.version, path, text, written: true };
  });
  const problems = contractChangesSinceLastPublished({ dir, contracts }).flatMap((s) => s.problems);
  if (problems.length > 0) throw new Error(`not published: ${problems.join('; ')}`);
  for (const p of plans) {
    if (!p.written) continue;
    mkdirSync(join(dir, p.contract), { recursive: true });
    writeFileSync(p.path, p.text);
  }
  return plans.map(({ contract, version, path, written }) => ({ contract, version, path, written }));
}

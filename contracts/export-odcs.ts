/**
 * A data contract as an Open Data Contract Standard (ODCS) v3.1.0 document,
 * and the catalogue of every rule id a contract can quarantine a row for.
 *
 * The document is the contract's published form: `acvloop contracts export
 * --format odcs` writes it as YAML, and the snapshots in
 * `contracts/published/` hold it as JSON, which `compatibility.ts` compares
 * version to version. Every rule the validator can break appears as a
 * `quality` entry whose `name` is the stable rule id, so a quarantine entry's
 * `rule` can be looked up in the document.
 *
 * Fields follow the ODCS v3.1.0 JSON Schema: top level `apiVersion`, `kind`,
 * `id`, `version`, `status` (required), `name`, `description`, `team`,
 * `schema[]`; a schema object has `name`, `logicalType: object`,
 * `physicalName`, `physicalType`, `properties[]`, `quality[]`,
 * `customProperties[]`; a property has `logicalType` (string, date,
 * timestamp, number, integer), `logicalTypeOptions`, `physicalType` (here:
 * acvloop's cell type), `required`, `unique`, `primaryKey`,
 * `relationships[]` (`type: foreignKey`, `to: file.column`) and `quality[]`.
 */
import { stringify } from 'yaml';
import { CELL_TYPE_WORDS, type CellType } from './cells';
import { uniqueRuleId, type ColumnSpec, type Contract } from './contract';
import { CONTRACTS } from './index';
import type { DropFileName } from './rows';

export const ODCS_API_VERSION = 'v3.1.0';

/** What a rule checks, for readers of the catalogue and for the exports' layout. */
export type RuleKind =
  | 'not_null' | 'type' | 'enum' | 'range' | 'unique' | 'references' | 'cascade' | 'no_cycle' | 'fx' | 'row' | 'malformed';

export interface ContractRule {
  /** The stable rule id quarantine entries carry, e.g. `opportunities.amount.non_negative`. */
  id: string;
  kind: RuleKind;
  /** The column the rule is about; null for rules about a whole line. */
  column: string | null;
  /** Columns the rule reads (key columns, a row rule's cells). */
  reads: readonly string[];
  description: string;
}

// Cell types whose text can fail to parse: `id` and `text` accept any non-empty text.
const PARSED_TYPES: ReadonlySet<CellType> = new Set(['enum', 'date', 'ts', 'month', 'money', 'ccy', 'int', 'decimal']);

const RANGE_RULE_SUFFIX = { non_negative: 'non_negative', positive: 'positive', percent: 'range' } as const;
const RANGE_WORDS = { non_negative: 'must be >= 0', positive: 'must be > 0', percent: 'must be between 0 and 100' } as const;

/** A contract as the catalogue sees it: the typed row parameter does not matter here. */
type AnyContract = Contract<any>;

/** The first key of a file: what other files' references name. */
const keyColumn = (c: AnyContract): string => c.uniqueKeys[0][0];

/**
 * Every rule id the validator (`validate-file.ts`) can quarantine a row of
 * this contract's file for, with the words a reader needs.
 * @example
 * contractRules(accounts).map((r) => r.id); // ['accounts.account_id.not_null', ..., 'accounts.malformed_line']
 */
export function contractRules(contract: AnyContract): ContractRule[] {
  const name = contract.name;
  const rules: ContractRule[] = [];
  for (const col of contract.columns) {
    const c = col.name;
    if (col.required) {
      rules.push({ id: `${name}.${c}.not_null`, kind: 'not_null', column: c, reads: [c], description: `${c} must not be empty` });
    }
    if (col.type === 'enum') {
      rules.push({ id: `${name}.${c}.enum`, kind: 'enum', column: c, reads: [c], description: `${c} must be one of ${col.values!.join(', ')}` });
    } else if (PARSED_TYPES.has(col.type)) {
      rules.push({ id: `${name}.${c}.type_${col.type}`, kind: 'type', column: c, reads: [c], description: `${c} must be ${CELL_TYPE_WORDS[col.type]}` });
    }
    if (col.range !== undefined) {
      rules.push({ id: `${name}.${c}.${RANGE_RULE_SUFFIX[col.range]}`, kind: 'range', column: c, reads: [c], description: `${c} ${RANGE_WORDS[col.range]}` });
    }
    if (col.references !== undefined) {
      const target = CONTRACTS[col.references] as AnyContract;
      rules.push({ id: `${name}.${c}.references_${col.references}`, kind: 'references', column: c, reads: [c], description: `${c} must be present as ${keyColumn(target)} in ${target.file}` });
      rules.push({
        id: `${name}.${c}.referenced_row_quarantined`, kind: 'cascade', column: c, reads: [c],
        description: `a row whose ${c} names a quarantined row of ${target.file} is quarantined too`,
      });
      if (col.references === name) {
        rules.push({ id: `${name}.${c}.no_cycle`, kind: 'no_cycle', column: c, reads: [c], description: `following ${c} from row to row must never come back to the same row` });
      }
    }
  }
  for (const key of contract.uniqueKeys) {
    rules.push({ id: uniqueRuleId(name, key), kind: 'unique', column: key.length === 1 ? key[0] : null, reads: key, description: `(${key.join(', ')}) must be unique in the file` });
  }
  for (const r of contract.rowRules) {
    rules.push({ id: `${name}.${r.id}`, kind: 'row', column: r.column, reads: r.reads, description: rowRuleWords(r.id, r.column, r.reads) });
  }
  if (contract.fx !== undefined && contract.columns.some((c) => c.name === 'currency')) {
    rules.push({
      id: `${name}.currency.fx_rate_available`, kind: 'fx', column: 'currency', reads: ['currency'],
      description: `fx_rates.csv must hold a rate to USD for the currency in the month of ${contract.fx.monthFrom} (USD needs none); ` +
        `converts ${contract.fx.money.join(', ')} to USD`,
    });
  }
  rules.push({ id: `${name}.malformed_line`, kind: 'malformed', column: null, reads: [], description: 'every line must be a well-formed CSV record with as many fields as the header' });
  return rules;
}

/** `closed_at.null_while_open` on closed_at → "closed_at null while open: a check across the row (reads stage, closed_at)". */
function rowRuleWords(id: string, column: string, reads: readonly string[]): string {
  const what = id.startsWith(`${column}.`) ? id.slice(column.length + 1) : id;
  return `${column} ${what.replace(/_/g, ' ')}: a check across the row (reads ${reads.join(', ')})`;
}

/** ODCS v3.1.0 shapes, as much of them as acvloop writes and reads. */
export interface OdcsQuality {
  name: string;
  type: 'library' | 'text' | 'sql';
  description: string;
  dimension?: 'accuracy' | 'completeness' | 'conformity' | 'consistency' | 'uniqueness';
  metric?: 'nullValues' | 'invalidValues' | 'duplicateValues';
  arguments?: { validValues?: string[]; pattern?: string; properties?: string[] };
  query?: string;
  mustBe?: number;
  customProperties?: OdcsCustomProperty[];
}
export interface OdcsCustomProperty { property: string; value: unknown }
export interface OdcsLogicalTypeOptions {
  pattern?: string;
  minLength?: number;
  format?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  timezone?: boolean;
  defaultTimezone?: string;
}
export interface OdcsProperty {
  name: string;
  logicalType: 'string' | 'date' | 'timestamp' | 'number' | 'integer';
  logicalTypeOptions?: OdcsLogicalTypeOptions;
  /** acvloop's cell type (the CSV holds text; this says how it is parsed). */
  physicalType: CellType;
  description?: string;
  required: boolean;
  unique: boolean;
  primaryKey?: boolean;
  primaryKeyPosition?: number;
  relationships?: { type: 'foreignKey'; to: string }[];
  quality: OdcsQuality[];
}
export interface OdcsSchemaObject {
  name: string;
  logicalType: 'object';
  physicalName: string;
  physicalType: 'file';
  description: string;
  properties: OdcsProperty[];
  quality: OdcsQuality[];
  customProperties: OdcsCustomProperty[];
}
export interface OdcsDocument {
  apiVersion: typeof ODCS_API_VERSION;
  kind: 'DataContract';
  id: string;
  name: string;
  version: string;
  status: 'active';
  domain: string;
  dataProduct: string;
  description: { purpose: string; usage: string };
  team: { name: string; description: string };
  schema: OdcsSchemaObject[];
}

/**
 * Text patterns of the parsed cell types (ECMA-262, as ODCS and JSON Schema
 * take them). The parsers in `cells.ts` are the authority: a date must also
 * be a real calendar day and a timestamp's date part too, which a pattern
 * cannot say; the JSON Schema export adds `format: date` for that.
 */
export const CELL_PATTERNS: Partial<Record<CellType, string>> = {
  date: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$',
  ts: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])(T([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d+)?)?(Z|[+-]([01]\\d|2[0-3])(:?[0-5]\\d)?))?$',
  month: '^\\d{4}-(0[1-9]|1[0-2])$',
  ccy: '^[A-Z]{3}$',
  money: '^-?\\d+(\\.\\d+)?$',
  decimal: '^-?\\d+(\\.\\d+)?$',
  int: '^-?\\d+$',
};

const LOGICAL_TYPES: Record<CellType, OdcsProperty['logicalType']> = {
  id: 'string', text: 'string', enum: 'string', ccy: 'string', month: 'string',
  date: 'date', ts: 'timestamp', money: 'number', decimal: 'number', int: 'integer',
};

/** The bounds of a range rule, as JSON Schema and ODCS `logicalTypeOptions` word them. */
export function rangeBounds(range: ColumnSpec['range']): Pick<OdcsLogicalTypeOptions, 'minimum' | 'exclusiveMinimum' | 'maximum'> {
  if (range === 'non_negative') return { minimum: 0 };
  if (range === 'positive') return { exclusiveMinimum: 0 };
  if (range === 'percent') return { minimum: 0, maximum: 100 };
  return {};
}

function logicalTypeOptions(col: ColumnSpec): OdcsLogicalTypeOptions | undefined {
  const o: OdcsLogicalTypeOptions = {};
  if (col.type === 'date') o.format = 'yyyy-MM-dd';
  if (col.type === 'ts') {
    o.timezone = true;
    o.defaultTimezone = 'Etc/UTC';
  }
  const pattern = CELL_PATTERNS[col.type];
  if (pattern !== undefined && LOGICAL_TYPES[col.type] === 'string') o.pattern = pattern;
  if (col.type === 'id') o.minLength = 1;
  Object.assign(o, rangeBounds(col.range));
  return Object.keys(o).length > 0 ? o : undefined;
}

/** One quality entry per rule, in the form ODCS tools can run where one exists. */
function qualityOf(contract: AnyContract, rule: ContractRule, col: ColumnSpec | undefined): OdcsQuality {
  const base = { name: rule.id, description: rule.description };
  // `type` is spelled out (ODCS defaults it to library) so a reader sees which rules a tool can run.
  switch (rule.kind) {
    case 'not_null':
      return { ...base, type: 'library', dimension: 'completeness', metric: 'nullValues', mustBe: 0 };
    case 'enum':
      return { ...base, type: 'library', dimension: 'conformity', metric: 'invalidValues', arguments: { validValues: [...col!.values!] }, mustBe: 0 };
    case 'type':
      return { ...base, type: 'library', dimension: 'conformity', metric: 'invalidValues', arguments: { pattern: CELL_PATTERNS[col!.type]! }, mustBe: 0 };
    case 'range': {
      const b = rangeBounds(col!.range);
      const outside = [
        b.minimum !== undefined ? `{property} < ${b.minimum}` : null,
        b.exclusiveMinimum !== undefined ? `{property} <= ${b.exclusiveMinimum}` : null,
        b.maximum !== undefined ? `{property} > ${b.maximum}` : null,
      ].filter((s) => s !== null).join(' OR ');
      return { ...base, type: 'sql', dimension: 'accuracy', query: `SELECT COUNT(*) FROM {object} WHERE ${outside}`, mustBe: 0 };
    }
    case 'unique':
      return rule.reads.length === 1
        ? { ...base, type: 'library', dimension: 'uniqueness', metric: 'duplicateValues', mustBe: 0 }
        : { ...base, type: 'library', dimension: 'uniqueness', metric: 'duplicateValues', arguments: { properties: [...rule.reads] }, mustBe: 0 };
    case 'references': {
      const target = CONTRACTS[col!.references!] as AnyContract;
      const key = keyColumn(target);
      return {
        ...base, type: 'sql', dimension: 'consistency', mustBe: 0,
        query: `SELECT COUNT(*) FROM {object} c LEFT JOIN ${target.name} t ON c.${col!.name} = t.${key} ` +
          `WHERE c.${col!.name} IS NOT NULL AND t.${key} IS NULL`,
      };
    }
    case 'row':
      return {
        ...base, type: 'text', dimension: 'consistency',
        customProperties: [{ property: 'column', value: rule.column }, { property: 'reads', value: [...rule.reads] }],
      };
    case 'cascade':
    case 'no_cycle':
    case 'fx':
      return { ...base, type: 'text', dimension: 'consistency' };
    case 'malformed':
      return { ...base, type: 'text', dimension: 'conformity' };
  }
}

const QUALITY_KEYS = ['name', 'type', 'dimension', 'description', 'metric', 'arguments', 'query', 'mustBe', 'customProperties'] as const;

/** The same entry with its keys in the order a reader wants them (YAML keeps insertion order). */
function inReadingOrder(q: OdcsQuality): OdcsQuality {
  const out: Record<string, unknown> = {};
  for (const k of QUALITY_KEYS) if (q[k] !== undefined) out[k] = q[k];
  return out as unknown as OdcsQuality;
}

/**
 * The ODCS v3.1.0 document of one contract.
 * @example
 * toOdcs(accounts).schema[0].properties.find((p) => p.name === 'segment')!.quality[1].arguments!.validValues;
 * // ['enterprise', 'mid_market', 'smb']
 */
export function toOdcs(contract: AnyContract): OdcsDocument {
  const rules = contractRules(contract);
  const primary = contract.uniqueKeys[0] ?? [];
  const properties: OdcsProperty[] = contract.columns.map((col) => {
    const position = primary.indexOf(col.name);
    const target = col.references === undefined ? undefined : (CONTRACTS[col.references] as AnyContract);
    // Keys in reading order; optional ones only where they apply.
    const p: OdcsProperty = {
      name: col.name,
      ...(col.rule !== '' ? { description: col.rule } : {}),
      logicalType: LOGICAL_TYPES[col.type],
      ...(logicalTypeOptions(col) !== undefined ? { logicalTypeOptions: logicalTypeOptions(col) } : {}),
      physicalType: col.type,
      required: col.required,
      unique: contract.uniqueKeys.some((k) => k.length === 1 && k[0] === col.name),
      ...(position >= 0 ? { primaryKey: true, primaryKeyPosition: position + 1 } : {}),
      ...(target !== undefined ? { relationships: [{ type: 'foreignKey' as const, to: `${target.name}.${keyColumn(target)}` }] } : {}),
      quality: [],
    };
    return p;
  });
  const objectQuality: OdcsQuality[] = [];
  for (const rule of rules) {
    const col = contract.columns.find((c) => c.name === rule.column);
    const q = inReadingOrder(qualityOf(contract, rule, col));
    // Rules of one column sit on its property; key sets, row rules and whole lines on the object.
    const onProperty = rule.column !== null && rule.kind !== 'row' && col !== undefined;
    if (onProperty) properties.find((p) => p.name === rule.column)!.quality.push(q);
    else objectQuality.push(q);
  }
  return {
    apiVersion: ODCS_API_VERSION,
    kind: 'DataContract',
    id: `acvloop-drop-${contract.name}`,
    name: contract.name,
    version: contract.version,
    status: 'active',
    domain: 'b2b-marketing-revenue',
    dataProduct: 'acvloop monthly data drop',
    description: {
      purpose: `${contract.file} of the monthly data drop acvloop ingests, validates and models`,
      usage: 'A row breaking a rule is quarantined with the rule id (the quality entry names); ' +
        'a file whose quarantined share exceeds maxErrorRate, or a required file missing, rejects the drop.',
    },
    team: { name: contract.owner, description: `owner of ${contract.file}` },
    schema: [{
      name: contract.name,
      logicalType: 'object',
      physicalName: contract.file,
      physicalType: 'file',
      description: `${contract.file} (or ${contract.file}.gz): CSV, RFC 4180, UTF-8, header row; an empty cell is null; extra columns are reported, not rejected`,
      properties,
      quality: objectQuality,
      customProperties: [
        { property: 'requiredFile', value: contract.required },
        { property: 'maxErrorRate', value: contract.maxErrorRate },
      ],
    }],
  };
}

/** YAML text of a document (JSON's data model: snapshots and exports read back equal). */
export function odcsYaml(doc: OdcsDocument): string {
  return stringify(doc, { lineWidth: 0 });
}

/** Every contract's ODCS document, in the order of rows.ts. */
export function allOdcsDocuments(): OdcsDocument[] {
  return (Object.keys(CONTRACTS) as DropFileName[]).map((n) => toOdcs(CONTRACTS[n] as AnyContract));
}

/**
 * A data contract as a JSON Schema (draft 2020-12) of one row of its file.
 *
 * The row is the CSV record as JSON (`rowAsJson`): one property per
 * column, `null` for an empty cell, a JSON number for the numeric types
 * (money, decimal, int), the text as given otherwise. The schema checks
 * what one row can be checked for on its own: required cells, types,
 * enums, patterns and ranges. Rules that need other rows or other files
 * (uniqueness, references, their cascade, cycles, FX rates) and the row
 * rules acvloop runs as code are still listed, by rule id, so nothing of
 * the contract is lost:
 *
 * - `x-rules` (on a property, or at the root for key sets, row rules and
 *   whole lines): `[{id, description, checkedBySchema}]`; `checkedBySchema`
 *   false means only `acvloop validate` enforces it.
 * - `x-relationships` (root): `[{from: "file.column", to: "file.column",
 *   type: "foreignKey", rules: [rule ids]}]`, the ODCS relationship form.
 * - `x-unique-keys` (root): the column sets that must be unique; the first
 *   is the key other files name.
 * - `x-contract` (root): name, file, version, owner, requiredFile, maxErrorRate.
 *
 * Extra columns are allowed (`additionalProperties` is not set): the
 * validator reports them and reads on. Validators that refuse unknown
 * keywords (Ajv in strict mode) take the four `x-` keywords as annotations
 * (`ajv.addVocabulary([...JSON_SCHEMA_EXTENSIONS])`).
 */
import type { CellType } from './cells';
import { parseDecimal, parseInt10 } from './cells';
import type { Contract } from './contract';
import { CELL_PATTERNS, contractRules, rangeBounds, type ContractRule } from './export-odcs';
import { CONTRACTS } from './index';
import type { DropFileName } from './rows';

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';
export const JSON_SCHEMA_EXTENSIONS = ['x-rules', 'x-relationships', 'x-unique-keys', 'x-contract'] as const;

type AnyContract = Contract<any>;

/** A rule as `x-rules` lists it. */
export interface SchemaRule {
  id: string;
  description: string;
  checkedBySchema: boolean;
}

export interface RowJsonSchema {
  $schema: typeof JSON_SCHEMA_DIALECT;
  $id: string;
  title: string;
  description: string;
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required: string[];
  'x-contract': { name: string; file: string; version: string; owner: string; requiredFile: boolean; maxErrorRate: number };
  'x-unique-keys': string[][];
  'x-relationships': { from: string; to: string; type: 'foreignKey'; rules: string[] }[];
  'x-rules': SchemaRule[];
}

const NUMERIC: ReadonlySet<CellType> = new Set(['money', 'decimal', 'int']);
// What a row's own values decide: the rest needs other rows or files (or runs as code).
const ROW_LOCAL: ReadonlySet<ContractRule['kind']> = new Set(['not_null', 'type', 'enum', 'range']);

/** The JSON type keyword of a cell type; an optional column also allows null. */
function valueSchema(contract: AnyContract, name: string): Record<string, unknown> {
  const col = contract.columns.find((c) => c.name === name)!;
  const s: Record<string, unknown> = {};
  const base = col.type === 'int' ? 'integer' : NUMERIC.has(col.type) ? 'number' : 'string';
  s.type = col.required ? base : [base, 'null'];
  if (col.type === 'enum') s.enum = col.required ? [...col.values!] : [...col.values!, null];
  if (base === 'string' && col.type !== 'enum') {
    // A required cell is never empty text: empty reads as null.
    if (col.required || col.type === 'id') s.minLength = 1;
    const pattern = CELL_PATTERNS[col.type];
    if (pattern !== undefined) s.pattern = pattern;
    if (col.type === 'date') s.format = 'date';
  }
  Object.assign(s, rangeBounds(col.range));
  if (col.rule !== '') s.description = col.rule;
  return s;
}

/**
 * The JSON Schema of one row of a contract's file.
 * @example
 * toJsonSchema(spend).properties.amount; // { type: 'number', minimum: 0, description: '>= 0', 'x-rules': [...] }
 */
export function toJsonSchema(contract: AnyContract): RowJsonSchema {
  const rules = contractRules(contract);
  const properties: Record<string, Record<string, unknown>> = {};
  for (const col of contract.columns) {
    properties[col.name] = { ...valueSchema(contract, col.name), 'x-rules': [] as SchemaRule[] };
  }
  const rootRules: SchemaRule[] = [];
  for (const r of rules) {
    const entry: SchemaRule = { id: r.id, description: r.description, checkedBySchema: ROW_LOCAL.has(r.kind) };
    if (r.column !== null && r.kind !== 'row' && properties[r.column] !== undefined) {
      (properties[r.column]['x-rules'] as SchemaRule[]).push(entry);
    } else {
      rootRules.push(entry);
    }
  }
  const relationships = contract.columns.flatMap((col) => {
    if (col.references === undefined) return [];
    const target = CONTRACTS[col.references] as AnyContract;
    const ids = rules.filter((r) => r.column === col.name && ['references', 'cascade', 'no_cycle'].includes(r.kind)).map((r) => r.id);
    return [{ from: `${contract.name}.${col.name}`, to: `${target.name}.${target.uniqueKeys[0][0]}`, type: 'foreignKey' as const, rules: ids }];
  });
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `urn:acvloop:contract:${contract.name}:${contract.version}`,
    title: `${contract.file} row (contract ${contract.name} ${contract.version})`,
    description: `One row of ${contract.file} as JSON: an empty cell is null, money/decimal/int cells are numbers, the rest text as given.`,
    type: 'object',
    properties,
    required: contract.columns.filter((c) => c.required).map((c) => c.name),
    'x-contract': {
      name: contract.name, file: contract.file, version: contract.version, owner: contract.owner,
      requiredFile: contract.required, maxErrorRate: contract.maxErrorRate,
    },
    'x-unique-keys': contract.uniqueKeys.map((k) => [...k]),
    'x-relationships': relationships,
    'x-rules': rootRules,
  };
}

/**
 * A CSV record (cells by header name) as the JSON row the schema describes:
 * every contract column present, empty or absent cells null, numeric cells
 * that read as numbers turned into numbers (one that does not stays text,
 * so the schema refuses it the way the validator does).
 * @example
 * rowAsJson(spend, { month: '2024-01', channel: 'email', amount: '150.5', currency: 'USD' }).amount; // 150.5
 */
export function rowAsJson(contract: AnyContract, cells: Readonly<Record<string, string>>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const col of contract.columns) {
    const text = cells[col.name] ?? '';
    if (text === '') row[col.name] = null;
    else if (col.type === 'int') row[col.name] = parseInt10(text) ?? text;
    else if (NUMERIC.has(col.type)) row[col.name] = parseDecimal(text) ?? text;
    else row[col.name] = text;
  }
  return row;
}

/** Every contract's row schema, in the order of rows.ts. */
export function allJsonSchemas(): RowJsonSchema[] {
  return (Object.keys(CONTRACTS) as DropFileName[]).map((n) => toJsonSchema(CONTRACTS[n] as AnyContract));
}

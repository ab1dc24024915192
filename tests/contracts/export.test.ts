/**
 * The contract exports: ODCS v3.1.0 documents and JSON Schemas (2020-12).
 *
 * References, independent of the exporters:
 * - rule ids: the ones the validator actually puts on quarantined rows of
 *   the bad-drop corpus (tests/fixtures/bad-drops), and a walk of each
 *   contract's columns, keys and row rules;
 * - ODCS: the required fields, enums and allowed keys of the ODCS v3.1.0
 *   JSON Schema (bitol-io/open-data-contract-standard,
 *   schema/odcs-json-schema-v3.1.0.json) as read, checked by hand below;
 * - JSON Schema: Ajv 8 (draft 2020-12 dialect, with ajv-formats), which
 *   checks the schemas against the 2020-12 meta-schema and validates rows:
 *   every row of a good drop passes; a row broken for a rule the schema
 *   claims to check fails it, and the validator quarantines that same row
 *   for that same rule id.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CONTRACTS, validateDrop } from '../../contracts';
import type { Contract } from '../../contracts/contract';
import { readCsvFile, toFields } from '../../contracts/csv';
import { JSON_SCHEMA_EXTENSIONS, rowAsJson, toJsonSchema, type SchemaRule } from '../../contracts/export-jsonschema';
import { contractRules, ODCS_API_VERSION, toOdcs, type OdcsDocument } from '../../contracts/export-odcs';
import type { DropFileName } from '../../contracts/rows';
import { generateDrop } from '../../generator';
import { acvloop } from '../helpers/cli';
import { BASE, dropFor, FIXTURES } from './drops';

const ALL = (Object.keys(CONTRACTS) as DropFileName[]).map((n) => CONTRACTS[n] as Contract<any>);

/** Rule ids the validator emitted on the whole bad-drop corpus, by contract name. */
async function observedRuleIds(): Promise<Map<string, Set<string>>> {
  const seen = new Map<string, Set<string>>();
  for (const c of readdirSync(FIXTURES, { withFileTypes: true })) {
    if (!c.isDirectory() || c.name === 'base') continue;
    const dir = dropFor(c.name);
    const v = await validateDrop(dir, { maxErrorRate: 1 });
    rmSync(dir, { recursive: true, force: true });
    for (const q of v.quarantine) {
      const contract = q.rule.split('.')[0];
      if (!seen.has(contract)) seen.set(contract, new Set());
      seen.get(contract)!.add(q.rule);
    }
  }
  return seen;
}

/** Every quality entry name of an ODCS document. */
const odcsRuleIds = (doc: OdcsDocument): string[] => [
  ...doc.schema[0].properties.flatMap((p) => p.quality.map((q) => q.name)),
  ...doc.schema[0].quality.map((q) => q.name),
];

/** Every `x-rules` id of a row schema. */
const schemaRuleIds = (s: ReturnType<typeof toJsonSchema>): string[] => [
  ...Object.values(s.properties).flatMap((p) => (p['x-rules'] as SchemaRule[]).map((r) => r.id)),
  ...s['x-rules'].map((r) => r.id),
];

/** The rule ids a contract's declaration implies, walked here from its parts. */
function declaredRuleIds(c: Contract<any>): string[] {
  const ids: string[] = [];
  for (const col of c.columns) {
    if (col.required) ids.push(`${c.name}.${col.name}.not_null`);
    if (col.references !== undefined) ids.push(`${c.name}.${col.name}.references_${col.references}`);
  }
  for (const r of c.rowRules) ids.push(`${c.name}.${r.id}`);
  ids.push(`${c.name}.malformed_line`);
  return ids;
}

describe('every rule of a contract appears in its exports by rule id', () => {
  let observed: Map<string, Set<string>>;
  beforeAll(async () => { observed = await observedRuleIds(); });

  it('the bad-drop corpus exercises every contract that has rule fixtures', () => {
    // A guard on the reference itself: an empty corpus would make the next test vacuous.
    const total = [...observed.values()].reduce((n, s) => n + s.size, 0);
    expect(total).toBeGreaterThanOrEqual(50);
    for (const name of ['accounts', 'opportunities', 'contracts', 'touchpoints', 'spend', 'invoices', 'usage', 'fx_rates']) {
      expect(observed.get(name)?.size ?? 0, name).toBeGreaterThan(0);
    }
  });

  for (const c of ALL) {
    it(`${c.name}: ODCS quality names and JSON Schema x-rules hold every rule id`, () => {
      const odcs = new Set(odcsRuleIds(toOdcs(c)));
      const schema = new Set(schemaRuleIds(toJsonSchema(c)));
      const expected = [...(observed.get(c.name) ?? []), ...declaredRuleIds(c), ...contractRules(c).map((r) => r.id)];
      for (const id of expected) {
        expect(odcs.has(id), `${id} in the ODCS document`).toBe(true);
        expect(schema.has(id), `${id} in the JSON Schema`).toBe(true);
      }
      // Nothing else: each id is listed once, and the two exports list the same rules.
      expect(odcsRuleIds(toOdcs(c)).length).toBe(odcs.size);
      expect([...schema].sort()).toEqual([...odcs].sort());
      // Every column, with its relationship, is in both.
      for (const col of c.columns) {
        const p = toOdcs(c).schema[0].properties.find((x) => x.name === col.name)!;
        expect(p, col.name).toBeDefined();
        expect(toJsonSchema(c).properties[col.name], col.name).toBeDefined();
        if (col.references !== undefined) {
          expect(p.relationships?.[0].to.split('.')[0]).toBe(col.references);
          expect(toJsonSchema(c)['x-relationships'].some((r) => r.from === `${c.name}.${col.name}` && r.to.startsWith(`${col.references}.`))).toBe(true);
        }
      }
    });
  }
});

// ---- ODCS v3.1.0, as read in its JSON Schema -------------------------------------------------
const TOP_KEYS = new Set(['version', 'kind', 'apiVersion', 'id', 'name', 'tenant', 'tags', 'status', 'servers', 'dataProduct',
  'description', 'domain', 'schema', 'support', 'price', 'team', 'roles', 'slaDefaultElement', 'slaProperties',
  'authoritativeDefinitions', 'customProperties', 'contractCreatedTs']);
const TOP_REQUIRED = ['version', 'apiVersion', 'kind', 'id', 'status'];
const DESCRIPTION_KEYS = new Set(['usage', 'purpose', 'limitations', 'authoritativeDefinitions', 'customProperties']);
const TEAM_KEYS = new Set(['name', 'description', 'members', 'tags', 'customProperties', 'authoritativeDefinitions']);
const ELEMENT_KEYS = ['name', 'physicalType', 'description', 'businessName', 'authoritativeDefinitions', 'tags', 'customProperties'];
const OBJECT_KEYS = new Set([...ELEMENT_KEYS, 'logicalType', 'physicalName', 'dataGranularityDescription', 'properties', 'relationships', 'quality']);
const PROPERTY_KEYS = new Set([...ELEMENT_KEYS, 'primaryKey', 'primaryKeyPosition', 'logicalType', 'logicalTypeOptions', 'physicalName',
  'required', 'unique', 'partitioned', 'partitionKeyPosition', 'classification', 'encryptedName', 'transformSourceObjects',
  'transformLogic', 'transformDescription', 'examples', 'criticalDataElement', 'relationships', 'quality']);
const LOGICAL_TYPES = ['string', 'date', 'timestamp', 'time', 'number', 'integer', 'object', 'array', 'boolean'];
const TYPE_OPTION_KEYS: Record<string, string[]> = {
  string: ['minLength', 'maxLength', 'pattern', 'format'],
  date: ['format', 'exclusiveMaximum', 'maximum', 'exclusiveMinimum', 'minimum'],
  timestamp: ['format', 'exclusiveMaximum', 'maximum', 'exclusiveMinimum', 'minimum', 'timezone', 'defaultTimezone'],
  integer: ['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'format'],
  number: ['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'format'],
};
const QUALITY_KEYS = new Set(['authoritativeDefinitions', 'businessImpact', 'customProperties', 'description', 'dimension', 'method',
  'name', 'schedule', 'scheduler', 'severity', 'tags', 'type', 'unit', 'metric', 'rule', 'arguments', 'query', 'engine', 'implementation',
  'mustBe', 'mustNotBe', 'mustBeGreaterThan', 'mustBeGreaterOrEqualTo', 'mustBeLessThan', 'mustBeLessOrEqualTo', 'mustBeBetween', 'mustNotBeBetween']);
const OPERATORS = ['mustBe', 'mustNotBe', 'mustBeGreaterThan', 'mustBeGreaterOrEqualTo', 'mustBeLessThan', 'mustBeLessOrEqualTo', 'mustBeBetween', 'mustNotBeBetween'];
const DIMENSIONS = ['accuracy', 'completeness', 'conformity', 'consistency', 'coverage', 'timeliness', 'uniqueness'];
const METRICS = ['nullValues', 'missingValues', 'invalidValues', 'duplicateValues', 'rowCount'];

/** Problems of a document against ODCS v3.1.0 (empty = conforms, for the parts checked here). */
function odcsProblems(doc: Record<string, any>, all: Map<string, Record<string, any>>): string[] {
  const out: string[] = [];
  const extra = (where: string, o: Record<string, unknown>, allowed: Set<string>) => {
    for (const k of Object.keys(o)) if (!allowed.has(k)) out.push(`${where}: ${k} is not an ODCS field`);
  };
  const customProps = (where: string, cps: unknown) => {
    if (cps === undefined) return;
    if (!Array.isArray(cps)) return out.push(`${where}.customProperties must be an array`);
    for (const cp of cps) {
      if (typeof cp.property !== 'string' || !('value' in cp)) out.push(`${where}.customProperties: property and value are required`);
      extra(`${where}.customProperties`, cp, new Set(['property', 'value', 'description']));
    }
  };
  for (const k of TOP_REQUIRED) if (typeof doc[k] !== 'string' || doc[k] === '') out.push(`${k} is required`);
  extra('document', doc, TOP_KEYS);
  if (doc.apiVersion !== 'v3.1.0') out.push(`apiVersion ${doc.apiVersion}`);
  if (doc.kind !== 'DataContract') out.push(`kind ${doc.kind}`);
  if (doc.description !== undefined) extra('description', doc.description, DESCRIPTION_KEYS);
  if (doc.team !== undefined) extra('team', doc.team, TEAM_KEYS);
  if (!Array.isArray(doc.schema)) return [...out, 'schema must be an array'];
  for (const [i, obj] of doc.schema.entries()) {
    const w = `schema[${i}]`;
    if (typeof obj.name !== 'string') out.push(`${w}.name is required`);
    if (obj.logicalType !== undefined && obj.logicalType !== 'object') out.push(`${w}.logicalType must be object`);
    extra(w, obj, OBJECT_KEYS);
    customProps(w, obj.customProperties);
    for (const p of obj.properties ?? []) {
      const pw = `${w}.${p.name}`;
      if (typeof p.name !== 'string') out.push(`${w}: a property without name`);
      extra(pw, p, PROPERTY_KEYS);
      if (!LOGICAL_TYPES.includes(p.logicalType)) out.push(`${pw}.logicalType ${p.logicalType}`);
      for (const b of ['required', 'unique', 'primaryKey']) if (p[b] !== undefined && typeof p[b] !== 'boolean') out.push(`${pw}.${b} must be boolean`);
      if (p.primaryKeyPosition !== undefined && !Number.isInteger(p.primaryKeyPosition)) out.push(`${pw}.primaryKeyPosition`);
      if (p.logicalTypeOptions !== undefined) {
        extra(`${pw}.logicalTypeOptions`, p.logicalTypeOptions, new Set(TYPE_OPTION_KEYS[p.logicalType] ?? []));
        if (p.logicalTypeOptions.pattern !== undefined) expect(() => new RegExp(p.logicalTypeOptions.pattern)).not.toThrow();
      }
      for (const r of p.relationships ?? []) {
        extra(`${pw}.relationships`, r, new Set(['type', 'to', 'customProperties']));
        if (r.type !== undefined && r.type !== 'foreignKey') out.push(`${pw}: relationship type ${r.type}`);
        if (typeof r.to !== 'string') out.push(`${pw}: relationship needs to`);
        else {
          // schema.property notation, resolving to a property of an exported contract.
          const [target, column] = r.to.split('.');
          const t = all.get(target);
          if (t === undefined || !t.schema[0].properties.some((x: any) => x.name === column)) out.push(`${pw}: relationship to ${r.to} resolves nowhere`);
        }
      }
      for (const q of p.quality ?? []) checkQuality(`${pw}.quality`, q);
    }
    for (const q of obj.quality ?? []) checkQuality(`${w}.quality`, q);
  }
  function checkQuality(where: string, q: Record<string, any>) {
    const qw = `${where}[${q.name}]`;
    extra(qw, q, QUALITY_KEYS);
    if (!['text', 'library', 'sql', 'custom'].includes(q.type)) out.push(`${qw}.type ${q.type}`);
    if (q.dimension !== undefined && !DIMENSIONS.includes(q.dimension)) out.push(`${qw}.dimension ${q.dimension}`);
    const ops = OPERATORS.filter((o) => o in q);
    if (q.type === 'library' || q.metric !== undefined) {
      if (!METRICS.includes(q.metric)) out.push(`${qw}.metric ${q.metric}`);
      if (ops.length !== 1) out.push(`${qw}: a library rule needs exactly one operator, has ${ops.length}`);
    }
    if (q.type === 'sql') {
      if (typeof q.query !== 'string') out.push(`${qw}: sql needs query`);
      if (ops.length !== 1) out.push(`${qw}: a sql rule needs exactly one operator, has ${ops.length}`);
    }
    customProps(qw, q.customProperties);
  }
  return out;
}

describe('ODCS export', () => {
  let out: string;
  beforeAll(() => { out = mkdtempSync(join(tmpdir(), 'acvloop-odcs-')); });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('meets the ODCS v3.1.0 required fields, enums and allowed keys, and the checker catches a broken document', () => {
    const docs = new Map(ALL.map((c) => [c.name, toOdcs(c) as unknown as Record<string, any>]));
    for (const [name, doc] of docs) expect(odcsProblems(doc, docs), name).toEqual([]);
    expect(toOdcs(CONTRACTS.accounts).apiVersion).toBe(ODCS_API_VERSION);
    // The checker is not vacuous: each break is found.
    const broken = structuredClone(docs.get('opportunities')!);
    delete broken.status;
    broken.owner = 'x';
    broken.schema[0].properties[1].relationships[0].to = 'nowhere.id';
    broken.schema[0].properties[0].quality[0].metric = 'nullCount';
    broken.schema[0].properties[2].logicalType = 'datetime';
    expect(odcsProblems(broken, docs)).toEqual(expect.arrayContaining([
      'status is required', 'document: owner is not an ODCS field',
      'schema[0].account_id: relationship to nowhere.id resolves nowhere',
      'schema[0].opportunity_id.quality[opportunities.opportunity_id.not_null].metric nullCount',
      'schema[0].created_at.logicalType datetime',
    ]));
  });

  it('carries the contract: version, owner, keys, types, enums, ranges, relationships, threshold', () => {
    const doc = toOdcs(CONTRACTS.contracts);
    const p = (n: string) => doc.schema[0].properties.find((x) => x.name === n)!;
    expect(doc.version).toBe(CONTRACTS.contracts.version);
    expect(doc.team.name).toBe('Finance (deal desk, contract system)');
    expect(p('contract_id')).toMatchObject({ primaryKey: true, primaryKeyPosition: 1, unique: true, required: true, logicalType: 'string' });
    expect(p('term_months')).toMatchObject({ logicalType: 'integer', logicalTypeOptions: { exclusiveMinimum: 0 } });
    expect(p('discount_pct')).toMatchObject({ logicalType: 'number', required: false, logicalTypeOptions: { minimum: 0, maximum: 100 } });
    expect(p('start_date')).toMatchObject({ logicalType: 'date', logicalTypeOptions: { format: 'yyyy-MM-dd' } });
    expect(p('previous_contract_id').relationships).toEqual([{ type: 'foreignKey', to: 'contracts.contract_id' }]);
    expect(p('status').quality.find((q) => q.name === 'contracts.status.enum')!.arguments!.validValues).toEqual(['active', 'renewed', 'churned', 'expired']);
    expect(doc.schema[0].customProperties).toEqual([{ property: 'requiredFile', value: true }, { property: 'maxErrorRate', value: 0.2 }]);
    const spend = toOdcs(CONTRACTS.spend);
    expect(spend.schema[0].quality.find((q) => q.name === 'spend.month_channel.unique')).toMatchObject({ metric: 'duplicateValues', arguments: { properties: ['month', 'channel'] }, mustBe: 0 });
  });

  it('`contracts export --format odcs --out DIR` writes DIR/<file>.odcs.yaml, which reads back as the document', async () => {
    const r = await acvloop(['contracts', 'export', '--format', 'odcs', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(ALL.map((c) => `${c.name}.odcs.yaml`).sort());
    for (const c of ALL) expect(parseYaml(readFileSync(join(out, `${c.name}.odcs.yaml`), 'utf8'))).toEqual(toOdcs(c));
  });
});

// ---- JSON Schema ------------------------------------------------------------------------------
function makeAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true });
  ajv.addVocabulary([...JSON_SCHEMA_EXTENSIONS]);
  addFormats(ajv);
  return ajv;
}

/** Header and records of one CSV file, as cells by column name. */
async function readRows(path: string): Promise<{ header: string[]; rows: Record<string, string>[]; lines: string[] }> {
  let header: string[] = [];
  const rows: Record<string, string>[] = [];
  await readCsvFile(path, {
    onHeader: (h) => { header = h; },
    onRecord: (rec) => { rows.push(toFields(header, rec.values)); },
    onMalformed: (m) => { throw new Error(`${path} line ${m.line}: ${m.reason}`); },
  });
  return { header, rows, lines: readFileSync(path, 'utf8').split('\n') };
}

const csvCell = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** A text that breaks the rule (of a column of this type), as the spec defines the types. */
const BREAKS: Record<string, string> = {
  not_null: '', enum: 'not_a_listed_value', type_date: '2024-02-30', type_ts: '2024-01-05 10:00', type_month: '2024-13',
  type_money: '1,000.50', type_decimal: '12.5.1', type_int: '12.5', type_ccy: 'usd', non_negative: '-1', positive: '0', range: '100.5',
};

describe('JSON Schema export', () => {
  const ajv = makeAjv();
  // Ajv registers a schema by its $id: compile each once.
  const validators = new Map(ALL.map((c) => [c.name, ajv.compile(toJsonSchema(c))]));
  let generated: string;
  beforeAll(async () => {
    generated = mkdtempSync(join(tmpdir(), 'acvloop-schema-drop-'));
    await generateDrop({ outDir: generated, seed: 11, accounts: 150, months: 18, end: '2026-10', experiments: true });
  });
  afterAll(() => rmSync(generated, { recursive: true, force: true }));

  it('each schema is valid draft 2020-12 and keeps the contract', () => {
    for (const c of ALL) {
      const s = toJsonSchema(c);
      expect(ajv.validateSchema(s), `${c.name}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
      expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(s.required).toEqual(c.columns.filter((x) => x.required).map((x) => x.name));
      expect(s['x-contract'].version).toBe(c.version);
    }
    const acc = toJsonSchema(CONTRACTS.accounts);
    expect(acc.properties.segment.enum).toEqual(['enterprise', 'mid_market', 'smb']);
    expect(acc['x-relationships']).toEqual([{
      from: 'accounts.parent_account_id', to: 'accounts.account_id', type: 'foreignKey',
      rules: ['accounts.parent_account_id.references_accounts', 'accounts.parent_account_id.referenced_row_quarantined', 'accounts.parent_account_id.no_cycle'],
    }]);
    expect(toJsonSchema(CONTRACTS.contracts).properties.discount_pct).toMatchObject({ type: ['number', 'null'], minimum: 0, maximum: 100 });
  });

  for (const [label, dir] of [['the committed base drop', BASE], ['a generated drop (seed 11, with experiments)', '']] as const) {
    it(`every row of ${label} passes its file's schema`, async () => {
      let checked = 0;
      for (const c of ALL) {
        const validate = validators.get(c.name)!;
        const { rows } = await readRows(join(dir || generated, c.file));
        for (const [i, cells] of rows.entries()) {
          const ok = validate(rowAsJson(c, cells));
          expect(ok, `${c.file} row ${i + 2}: ${ajv.errorsText(validate.errors)}`).toBe(true);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(dir ? 40 : 1000);
    });
  }

  it('a row breaking each rule the schema checks fails it, and the validator quarantines it for that rule', async () => {
    let tested = 0;
    for (const c of ALL) {
      const schema = toJsonSchema(c);
      const validate = validators.get(c.name)!;
      const { header, rows, lines } = await readRows(join(BASE, c.file));
      const checked = Object.entries(schema.properties).flatMap(([col, p]) =>
        (p['x-rules'] as SchemaRule[]).filter((r) => r.checkedBySchema).map((r) => ({ col, id: r.id })));
      for (const { col, id } of checked) {
        const kind = id.slice(`${c.name}.${col}.`.length);
        const bad = BREAKS[kind];
        expect(bad, `a breaking value for ${id}`).toBeDefined();
        const cells = { ...rows[0], [col]: bad };
        expect(validate(rowAsJson(c, cells)), `${id}: schema accepted ${JSON.stringify(bad)}`).toBe(false);
        // Same row through the validator: line 2 replaced by the broken row.
        const edited = [...lines];
        edited[1] = header.map((h) => csvCell(cells[h] ?? '')).join(',');
        const drop = dropFor(null, { [c.file]: edited.join('\n') });
        const v = await validateDrop(drop, { maxErrorRate: 1 });
        rmSync(drop, { recursive: true, force: true });
        expect(v.quarantine.filter((q) => q.file === c.file && q.line === 2).map((q) => q.rule), id).toContain(id);
        tested++;
      }
    }
    // 9 files: every not_null, type, enum and range rule of the contracts.
    expect(tested).toBe(ALL.flatMap((c) => contractRules(c)).filter((r) => ['not_null', 'type', 'enum', 'range'].includes(r.kind)).length);
    expect(tested).toBeGreaterThan(60);
  });

  it('`contracts export --format jsonschema` prints {format, contracts} without --out and writes <file>.schema.json with it', async () => {
    const r = await acvloop(['contracts', 'export', '--format', 'jsonschema']);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(printed.format).toBe('jsonschema');
    expect(printed.contracts).toEqual(ALL.map((c) => toJsonSchema(c)));
    const out = mkdtempSync(join(tmpdir(), 'acvloop-jsonschema-'));
    const w = await acvloop(['contracts', 'export', '--format', 'jsonschema', '--out', out]);
    expect(w.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'usage.schema.json'), 'utf8'))).toEqual(toJsonSchema(CONTRACTS.usage));
    rmSync(out, { recursive: true, force: true });
    const bad = await acvloop(['contracts', 'export', '--format', 'avro']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('acvloop: --format takes odcs or jsonschema, not "avro"\n');
  });
});

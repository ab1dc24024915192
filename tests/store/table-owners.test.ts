import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SOURCE_TABLES } from '../../sql/tables/sources';

/**
 * A table is written from one module (STYLE.md, issue 14), and that module is
 * in store/. Read from the sources themselves: every table of the `Database`
 * type (sql/tables/*.ts), and every place of the source tree that writes one
 * (kysely's insertInto/updateTable/deleteFrom/mergeInto, SQL text, COPY).
 * The walk is tests/architecture.test.ts's; the migrations are frozen in time
 * and write what they seed, so they are left out.
 */
const ROOT = path.resolve(__dirname, '../..');
const SKIP = new Set(['node_modules', '.git', 'tests', 'bench', 'bin', 'docs', 'deploy', 'policies', 'dist']);

function sourceFiles(dir = ROOT): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) || e.name.startsWith('.') ? [] : sourceFiles(p);
    return /\.(ts|mts|js)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path.relative(ROOT, p).split(path.sep).join('/')] : [];
  });
}

/** The tables of the Database type: the members of each `...Tables` interface, and the src_* tables of the drop's files. */
function databaseTables(): { areas: string[]; joined: string[]; tables: string[] } {
  const dir = path.join(ROOT, 'sql/tables');
  const areas: string[] = [];
  const tables: string[] = Object.values(SOURCE_TABLES).map((s) => s.table);
  for (const f of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of text.matchAll(/export interface (\w+Tables)\s*\{([^}]*)\}/g)) {
      areas.push(m[1]);
      for (const member of m[2].matchAll(/^\s*(\w+)\s*:/gm)) tables.push(member[1]);
    }
    if (/export type SourceTables\b/.test(text)) areas.push('SourceTables');
  }
  const database = fs.readFileSync(path.join(ROOT, 'sql/database.ts'), 'utf8');
  const joined = (/interface Database\s+extends([^{]*)\{/.exec(database)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return { areas: areas.sort(), joined: joined.sort(), tables: [...new Set(tables)].sort() };
}

/** A table named in a write: kysely's builders, SQL text, COPY's text, and the COPY helpers of sql/copy.ts. */
const WRITES = [
  /\b(?:insertInto|updateTable|deleteFrom|mergeInto)\(\s*['"`](\w+)/g,
  /\binsert\s+into\s+"?(\w+)/gi,
  /\bupdate\s+"?(\w+)"?\s+set\b/gi,
  /\bdelete\s+from\s+"?(\w+)/gi,
  /\btruncate\s+(?:table\s+)?"?(\w+)/gi,
  /\bmerge\s+into\s+"?(\w+)/gi,
  /\bcopy\s+"?(\w+)"?\s*\(/gi,
  /\b(?:copyRows|openCopy|copyFile)\(\s*\w+\s*,\s*['"`](\w+)/g,
];
/** A COPY whose table is known only at run time (`openCopy(client, spec.table, ...)`): the scan cannot name it. */
const COPY_BY_VARIABLE = /\b(?:copyRows|openCopy|copyFile)\(\s*\w+\s*,\s*(?!['"`])([\w.[\]]+)/g;

function writtenIn(text: string, tables: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const re of WRITES) for (const m of text.matchAll(re)) if (tables.has(m[1])) out.add(m[1]);
  return [...out];
}

const { areas, joined, tables } = databaseTables();
const known = new Set(tables);
const files = sourceFiles().filter((f) => !f.startsWith('sql/migrations/'));
const texts = new Map(files.map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')]));

/** The src_* tables are named by SOURCE_TABLES, and the one COPY that fills them takes its table from there. */
const SOURCE_WRITER = 'store/sources.ts';

const writers = new Map<string, string[]>(tables.map((t) => [t, []]));
for (const [file, text] of texts) {
  for (const t of writtenIn(text, known)) writers.get(t)!.push(file);
}
const byVariable = [...texts].flatMap(([file, text]) => [...text.matchAll(COPY_BY_VARIABLE)].map((m) => `${file}: ${m[1]}`));
for (const s of Object.values(SOURCE_TABLES)) writers.get(s.table)!.push(SOURCE_WRITER);

describe('a table is written from one module, in store/', () => {
  it('reads the tables of the Database type and finds their writers', () => {
    // A pattern that stopped matching would pass every rule below: each kind of write is found in a sample, and in the tree.
    const sample = new Set(['runs', 'audit_log', 'kpis', 'quarantine', 'disputes']);
    expect(writtenIn(`db.insertInto('runs').values(r)`, sample)).toEqual(['runs']);
    expect(writtenIn(`trx.updateTable('disputes').set({})`, sample)).toEqual(['disputes']);
    expect(writtenIn(`'insert into audit_log (actor) values ($1)'`, sample)).toEqual(['audit_log']);
    expect(writtenIn(`copyFrom('COPY kpis (run_id, name) FROM STDIN')`, sample)).toEqual(['kpis']);
    expect(writtenIn(`await copyRows(client, 'quarantine', ['batch_id'], rows, pick)`, sample)).toEqual(['quarantine']);
    expect(writtenIn('reads every table, inserts into them; no UPDATE, DELETE, TRUNCATE or DDL', sample)).toEqual([]);
    expect(areas).toEqual(joined);
    expect(tables).toEqual(expect.arrayContaining(['runs', 'audit_log', 'lineage_events', 'src_touchpoints']));
    expect(writers.get('runs')).toEqual(['store/runs.ts']);
    // The one COPY whose table the scan cannot read is the drop's rows into src_*, taken from SOURCE_TABLES.
    expect(byVariable).toEqual([`${SOURCE_WRITER}: spec.table`]);
    expect(texts.get(SOURCE_WRITER)).toMatch(/SOURCE_TABLES\[file\]/);
  });

  it('every table has exactly one writer', () => {
    const notOne = [...writers].filter(([, w]) => w.length !== 1).map(([t, w]) => `${t}: ${w.length ? w.join(', ') : 'no writer'}`);
    expect(notOne).toEqual([]);
  });

  it('that writer is under store/, the COPYs of the stages included', () => {
    const outside = Object.fromEntries([...writers].filter(([, w]) => w.some((f) => !f.startsWith('store/'))).map(([t, w]) => [t, w.join(', ')]));
    expect(outside).toEqual({});
  });
});

import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The arrows point down (STYLE.md, issue 14): the faces (cli/, report/) ->
 * temporal/ -> workflows/ -> activities/ -> store/, queries/ -> models/,
 * contracts/ -> lib/. Read from the import lines of the sources themselves,
 * so a new import that points up fails here with its file and specifier.
 */
const ROOT = path.resolve(__dirname, '..');
const SKIP = new Set(['node_modules', '.git', 'tests', 'bench', 'bin', 'docs', 'deploy', 'policies', 'dist']);

interface Import { file: string; spec: string; target: string; typeOnly: boolean }

function sourceFiles(dir = ROOT): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    // A dot-directory is tooling or local state (.git, .acvloop's runs and peer venvs), never the project's source.
    if (e.isDirectory()) return SKIP.has(e.name) || e.name.startsWith('.') ? [] : sourceFiles(p);
    return /\.(ts|mts|js)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path.relative(ROOT, p)] : [];
  });
}

const STATIC = /^[ \t]*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*'([^']+)'/gm;
const BARE = /^[ \t]*import\s+'([^']+)'/gm;
const CALL = /(typeof\s+)?\b(?:require|import)\(\s*'([^']+)'\s*\)/g;

/** `import { type A, type B } from` imports types alone, as `import type` does. */
const onlyTypes = (clause: string) => /^\{[^}]*\}$/.test(clause.trim())
  && clause.trim().slice(1, -1).split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '));

/** A relative specifier as a path from the repository root; a package as written. */
function resolve(file: string, spec: string): string {
  return spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file.split(path.sep).join('/')), spec)) : spec;
}

function importsOf(file: string): Import[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out: Import[] = [];
  const add = (spec: string, typeOnly: boolean) => out.push({ file, spec, target: resolve(file, spec), typeOnly });
  for (const m of text.matchAll(STATIC)) add(m[4], Boolean(m[2]) || onlyTypes(m[3]));
  for (const m of text.matchAll(BARE)) add(m[1], false);
  for (const m of text.matchAll(CALL)) add(m[2], Boolean(m[1]));
  return out;
}

const imports = sourceFiles().flatMap(importsOf);
const under = (dir: string) => (p: string) => p === dir || p.startsWith(`${dir}/`);
const within = (...dirs: string[]) => (p: string) => dirs.some((d) => under(d)(p));
const shown = (i: Import) => `${i.file}: ${i.typeOnly ? 'import type ' : ''}'${i.spec}'`;

function violations(files: (p: string) => boolean, bad: (i: Import) => boolean): string[] {
  return imports.filter((i) => files(i.file) && bad(i)).map(shown);
}

describe('the arrows point down', () => {
  it('reads the imports of the source tree', () => {
    // A regex that stopped matching would pass every rule below.
    expect(imports.filter((i) => i.file === 'temporal/worker.ts').map((i) => i.spec)).toContain('../activities');
    expect(imports.find((i) => i.file === 'workflows/monthly-cycle.ts' && i.spec === '../activities')?.typeOnly).toBe(true);
  });

  it('nothing below the faces imports cli/ or report/', () => {
    const belowFaces = (p: string) => !within('cli', 'report')(p);
    expect(violations(belowFaces, (i) => within('cli', 'report')(i.target))).toEqual([]);
    // report/ is a face beside cli/, never a way into it.
    expect(violations(under('report'), (i) => under('cli')(i.target))).toEqual([]);
  });

  it('models/ (the maths) import no storage, config, stage, Temporal or Node I/O', () => {
    const forbidden = within('sql', 'store', 'activities', 'config', 'governance', 'workflows', 'temporal', 'queries', 'generator');
    const io = (spec: string) => /^(node:)?(fs|fs\/promises|child_process|net|http|https|worker_threads)$/.test(spec) || /^(pg|pg-copy-streams|kysely|@temporalio\/)/.test(spec);
    expect(violations(under('models'), (i) => forbidden(i.target) || io(i.spec))).toEqual([]);
  });

  it('below temporal/ nothing imports the cycle but its types, and below activities/ nothing imports a stage', () => {
    const belowTemporal = within('activities', 'store', 'sql', 'queries', 'models', 'contracts', 'lib', 'config', 'governance', 'generator');
    expect(violations(belowTemporal, (i) => !i.typeOnly && within('temporal', 'workflows')(i.target))).toEqual([]);
    const belowActivities = within('store', 'sql', 'queries', 'models', 'contracts', 'lib', 'config');
    expect(violations(belowActivities, (i) => under('activities')(i.target))).toEqual([]);
  });

  it('lib/ (the shared vocabulary) imports nothing of the project above it', () => {
    expect(violations(under('lib'), (i) => i.spec.startsWith('.') && !under('lib')(i.target))).toEqual([]);
  });

  it('workflows/ import only workflow code, lib/ and the Temporal workflow API; stages, models, config and temporal/ as types', () => {
    const values = (i: Import) => within('workflows', 'lib')(i.target) || i.spec === '@temporalio/workflow' || i.spec === '@temporalio/common';
    const types = within('activities', 'models', 'config', 'temporal');
    expect(violations(under('workflows'), (i) => !(values(i) || (i.typeOnly && types(i.target))))).toEqual([]);
  });

  it('the workflow bundle reaches no Node module and no package but Temporal\'s', () => {
    // Everything workflows/index.ts pulls in by value is bundled into the workflow sandbox: it must be deterministic.
    const seen = new Set<string>();
    const fileOf = (target: string) => [`${target}.ts`, `${target}/index.ts`, target].find((f) => fs.existsSync(path.join(ROOT, f)) && fs.statSync(path.join(ROOT, f)).isFile());
    const bad: string[] = [];
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const i of importsOf(file).filter((x) => !x.typeOnly)) {
        if (i.spec.startsWith('.')) {
          const f = fileOf(i.target);
          if (f) walk(f);
        } else if (i.spec !== '@temporalio/workflow' && i.spec !== '@temporalio/common') bad.push(shown(i));
      }
    };
    walk('workflows/index.ts');
    expect(seen.size).toBeGreaterThan(3);
    expect(bad).toEqual([]);
  });
});

describe('a table is owned by one place', () => {
  // kysely names a table as the first argument of these builders ('runs' or 'runs as r'); raw SQL after from/into/update/join.
  const BUILDER = /\b(?:selectFrom|insertInto|updateTable|deleteFrom|mergeInto|(?:inner|left|right|full|cross)?Join)\(\s*'(\w+)(?:\s+as\s+\w+)?'/g;
  const RAW = /\b(?:from|into|update|join)\s+(\w+)\b/gi;
  const tablesIn = (text: string) => [...text.matchAll(BUILDER), ...text.matchAll(RAW)].map((m) => m[1]);
  function namings(table: string): string[] {
    return sourceFiles().flatMap((file) => fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n')
      .flatMap((text, i) => tablesIn(text).filter((t) => t === table).map(() => `${file}:${i + 1}`)));
  }

  it('reads the tables a line names', () => {
    // A pattern that stopped matching would pass the rule below.
    expect(tablesIn(`db.selectFrom('runs as r').innerJoin('approvals as a', 'a.run_id', 'r.run_id')`)).toEqual(['runs', 'approvals']);
    expect(tablesIn(`client.query('select month from runs where run_id = $1'); q('UPDATE runs SET x = 1')`)).toEqual(['runs', 'runs']);
    expect(tablesIn(`insert into model_versions (run_id) values ($1)`)).toEqual(['model_versions']);
    expect(namings('runs')).toEqual(expect.arrayContaining([expect.stringMatching(/^store\/runs\.ts:/)]));
  });

  it('the runs table is named only in store/ (store/runs.ts owns it; other owners may join it), queries/ (the read side) and the migrations', () => {
    const allowed = within('store', 'queries', 'sql/migrations');
    expect(namings('runs').filter((n) => !allowed(n.split(':')[0]))).toEqual([]);
  });

  it('nothing above store/ writes in SQL text: no insert, update, delete or truncate strings in stages, faces, governance or queries', () => {
    const WRITE = /\b(?:insert\s+into\s+\w+|update\s+\w+\s+set|delete\s+from\s+\w+|truncate\s+(?:table\s+)?\w+\s*['"`;])/i;
    expect([`'insert into backtests (run_id) values ($1)'`, 'update runs set x = 1', `'truncate audit_log'`].every((t) => WRITE.test(t))).toBe(true);
    // Prose about the grants ("no UPDATE, DELETE, TRUNCATE") is not SQL.
    expect(WRITE.test('reads every table, inserts into them; no UPDATE, DELETE, TRUNCATE or DDL')).toBe(false);
    const above = within('activities', 'governance', 'queries', 'cli', 'report', 'temporal', 'workflows');
    const writes = sourceFiles().filter(above).flatMap((file) => fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n')
      .flatMap((text, i) => (WRITE.test(text) ? [`${file}:${i + 1}`] : [])));
    expect(writes).toEqual([]);
  });
});

describe('stages hold no SQL text', () => {
  // A query in a string: a quote, then select ... from <table> (reads; writes have their own rule above).
  const READ = /['"`]\s*select\s.*?\bfrom\s+[\w$]/i;

  it('reads a query in a string, and not prose', () => {
    expect(READ.test("q('select max(month) as last from src_spend where batch_id = $1')")).toBe(true);
    expect(READ.test('pool.query(`select ${cols.join(", ")} from ${spec.table} where batch_id = $1`)')).toBe(true);
    expect(READ.test('/** Polls `select 1` until it answers */')).toBe(false);
    expect(READ.test('// the columns we select from the file')).toBe(false);
  });

  it('no file under activities/ holds a SQL query: reads go through store/ (the table\'s owner) or queries/', () => {
    const found = sourceFiles().filter(under('activities')).flatMap((file) => fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n')
      .flatMap((text, i) => (READ.test(text) ? [`${file}:${i + 1}`] : [])));
    expect(found).toEqual([]);
  });
});

describe('rooms a reader can take in', () => {
  it('no file under models/ is over 650 lines (issue 14: a model too long to read is split by concept, e.g. models/mmm/)', () => {
    const lines = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').length;
    const models = sourceFiles().filter(under('models'));
    expect(models).toContain('models/mmm/index.ts');
    expect(models.filter((f) => lines(f) > 650).map((f) => `${f}: ${lines(f)} lines`)).toEqual([]);
  });

  interface Fn { file: string; line: number; name: string; lines: number }
  const FUNCTION_LIKE = [ts.SyntaxKind.FunctionDeclaration, ts.SyntaxKind.FunctionExpression, ts.SyntaxKind.ArrowFunction,
    ts.SyntaxKind.MethodDeclaration, ts.SyntaxKind.Constructor, ts.SyntaxKind.GetAccessor, ts.SyntaxKind.SetAccessor];
  /** What a reader would call it: its own name, or the variable or property it is assigned to. */
  function nameOf(node: ts.Node, sf: ts.SourceFile): string {
    if (ts.isConstructorDeclaration(node)) return 'constructor';
    const own = (node as ts.FunctionLikeDeclaration).name;
    if (own) return own.getText(sf);
    const p = node.parent;
    if ((ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && p.name) return p.name.getText(sf);
    return '(anonymous)';
  }
  /** Every function-like node with a body, its length from its first line to its last, nested functions included. */
  function functionsIn(file: string, text: string): Fn[] {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
    const out: Fn[] = [];
    const visit = (node: ts.Node) => {
      if (FUNCTION_LIKE.includes(node.kind) && (node as ts.FunctionLikeDeclaration).body) {
        const line = lineOf(node.getStart(sf));
        out.push({ file, line, name: nameOf(node, sf), lines: lineOf(node.getEnd()) - line + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    return out;
  }
  let parsed: Fn[] | undefined;
  /** The tree's functions, parsed once for both tests below. */
  const treeFunctions = () => (parsed ??= sourceFiles().flatMap((f) => functionsIn(f, fs.readFileSync(path.join(ROOT, f), 'utf8'))));
  const MAX_FUNCTION_LINES = 120;

  it('reads the functions of a file and their lengths', () => {
    // A walker that stopped finding functions, or measured them as one line, would pass the rule below.
    const sample = ['export function outer() {', '  const inner = () => {', '    return 1;', '  };', '  return { inner, f: function () { return 2; } };', '}',
      'class C {', '  constructor() {}', '  get g() {', '    return 3;', '  }', '}'].join('\n');
    expect(functionsIn('sample.ts', sample).map((f) => `${f.name}:${f.line}:${f.lines}`))
      .toEqual(['outer:1:6', 'inner:2:3', 'f:5:1', 'constructor:8:1', 'g:9:3']);
    expect(treeFunctions().find((f) => f.file === 'workflows/monthly-cycle.ts' && f.name === 'monthlyCycle')?.lines).toBeGreaterThan(10);
  });

  it(`no function is over ${MAX_FUNCTION_LINES} lines (issue 14: a long function is split into named steps; a factory counts its nested arrows)`, () => {
    // The migrations are frozen in time (STYLE.md, kysely's migrations page): a migration is never edited once it has run,
    // so its one long up() of DDL stays as it shipped.
    const long = treeFunctions().filter((f) => !under('sql/migrations')(f.file) && f.lines > MAX_FUNCTION_LINES)
      .map((f) => `${f.file}:${f.line} ${f.name} ${f.lines} lines`);
    expect(long).toEqual([]);
  });
});

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { PUBLISHED_DIR } from '../../contracts/published-dir';
import type { ContractStatus } from '../../contracts/compatibility';
import type { Contract } from '../../contracts/contract';
import type { DropFileName } from '../../contracts/rows';
import { printJson, say, table } from '../output';

// Loaded on use: registering the command (also for `acvloop --help`) loads none of these.
const contracts = () => require('../../contracts') as typeof import('../../contracts');
const compatibility = () => require('../../contracts/compatibility') as typeof import('../../contracts/compatibility');
const jsonSchema = () => require('../../contracts/export-jsonschema') as typeof import('../../contracts/export-jsonschema');
const odcs = () => require('../../contracts/export-odcs') as typeof import('../../contracts/export-odcs');

/**
 * `acvloop contracts export|check|publish`: the data contracts as documents
 * (ODCS v3.1.0 or JSON Schema 2020-12), and their versions checked against
 * the published snapshots in `contracts/published/`.
 */

const FORMATS = ['odcs', 'jsonschema'] as const;
type Format = (typeof FORMATS)[number];

const allContracts = (): Contract<any>[] => {
  const { CONTRACTS } = contracts();
  return (Object.keys(CONTRACTS) as DropFileName[]).map((n) => CONTRACTS[n] as Contract<any>);
};

/**
 * Writes one document per contract into `out` (`<name>.odcs.yaml` or
 * `<name>.schema.json`), or returns them all as one JSON value.
 * @example
 * exportContracts({ format: 'jsonschema' }).contracts.length; // 9
 */
export function exportContracts(opts: { format: string; out?: string }): { format: Format; contracts: unknown[]; files: string[] } {
  if (!(FORMATS as readonly string[]).includes(opts.format)) {
    throw new Error(`--format takes ${FORMATS.join(' or ')}, not "${opts.format}"`);
  }
  const format = opts.format as Format;
  const docs = allContracts().map((c) => (format === 'odcs' ? odcs().toOdcs(c) : jsonSchema().toJsonSchema(c)));
  const files: string[] = [];
  if (opts.out !== undefined) {
    const dir = path.resolve(opts.out);
    mkdirSync(dir, { recursive: true });
    allContracts().forEach((c, i) => {
      const file = path.join(dir, format === 'odcs' ? `${c.name}.odcs.yaml` : `${c.name}.schema.json`);
      writeFileSync(file, format === 'odcs' ? odcs().odcsYaml(docs[i] as ReturnType<typeof import('../../contracts/export-odcs').toOdcs>) : JSON.stringify(docs[i], null, 2) + '\n');
      files.push(file);
    });
  }
  return { format, contracts: docs, files };
}

function printStatus(statuses: ContractStatus[]): void {
  say(table(
    ['contract', 'version', 'published', 'changes', 'breaking', 'verdict'],
    statuses.map((s) => [
      s.file,
      s.version,
      s.published ?? 'never',
      s.changes.length,
      s.changes.filter((c) => c.kind === 'breaking').length,
      s.problems.length > 0 ? 'NOT OK' : s.published === null ? 'unpublished' : s.versionPublished ? 'ok' : 'ok (publish me)',
    ]),
  ));
  for (const s of statuses) {
    for (const c of s.changes) say(`  ${s.file}  ${c.kind.padEnd(10)} ${c.column ?? '-'}  ${c.rule}: ${c.what}`);
  }
}

/**
 * Register `acvloop contracts` and its subcommands.
 * @example
 * contractsCommand(program); // acvloop contracts check --json
 */
export function contractsCommand(program: Command): Command {
  const contracts = program.command('contracts').description('the data contracts as documents (ODCS, JSON Schema), and their versions');

  contracts.command('export').description('write each contract as an ODCS v3.1.0 document or a JSON Schema (2020-12) of one row')
    .requiredOption('--format <odcs|jsonschema>', 'odcs: DIR/<file>.odcs.yaml; jsonschema: DIR/<file>.schema.json')
    .option('--out <dir>', 'write one file per contract here (without it: one JSON document on stdout)')
    .action((opts: { format: string; out?: string }) => {
      const r = exportContracts(opts);
      if (opts.out === undefined) printJson({ format: r.format, contracts: r.contracts });
      else for (const f of r.files) say(f);
    });

  contracts.command('check').description('compare each contract with its latest published snapshot; exit 1 when a change is not versioned right')
    .option('--published <dir>', 'folder of the published snapshots', PUBLISHED_DIR)
    .option('--json', 'print JSON')
    .action((opts: { published: string; json?: boolean }) => {
      const dir = path.resolve(opts.published);
      // A mistyped folder would otherwise read as "never published" and pass.
      if (!existsSync(dir)) throw new Error(`--published ${opts.published}: no such folder of contract snapshots`);
      const statuses = compatibility().contractChangesSinceLastPublished({ dir });
      if (opts.json) printJson({ ok: statuses.every((s) => s.problems.length === 0), contracts: statuses });
      else printStatus(statuses);
      const problems = statuses.flatMap((s) => s.problems);
      if (problems.length > 0) throw new Error(problems.join('; '));
    });

  contracts.command('publish').description('write the snapshot of every contract\'s current version (never overwrites a version with other content)')
    .option('--published <dir>', 'folder of the published snapshots', PUBLISHED_DIR)
    .option('--json', 'print JSON')
    .action((opts: { published: string; json?: boolean }) => {
      const results = compatibility().publishContracts({ dir: path.resolve(opts.published) });
      if (opts.json) {
        printJson({ published: results });
        return;
      }
      for (const r of results) say(`${r.written ? 'published' : 'unchanged'}  ${r.contract} ${r.version}  ${r.path}`);
    });
  return contracts;
}

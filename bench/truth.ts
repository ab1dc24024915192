/**
 * The truth bench: how well today's incrementality model and budget recover
 * a planted truth on worlds made hard the ways real data is
 * (generator/world-knobs.ts). For every world of the suite (bench/truth-worlds.ts)
 * it fits the model as retrain does and proposes the budget as score does
 * (bench/truth-world.ts), then prints one row per knob: Spearman of ROI vs
 * truth, estimated / true caused ACV, ROI error, interval coverage, and the
 * budget's captured share of the best gain in the same guardrail box.
 *
 *   npm run -s bench:truth -- [--seeds 3] [--first-seed 1] [--accounts 2000] [--groups plain,saturated] [--json out.json] [--keep]
 *
 * Markdown table on stdout, progress on stderr. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parsePositiveInt } from '../cli/parse';
import { knobNames } from '../generator/world-knobs';
import { quantileOf } from './truth-measures';
import { measureWorld, type WorldMeasure } from './truth-world';
import { GROUP_NAMES, worldSuite } from './truth-worlds';

const log = (m: string) => process.stderr.write(`bench:truth: ${m}\n`);
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : '–');

/** One table row: the distribution over a group's worlds (coverage pooled over their channels). */
function row(name: string, ws: readonly WorldMeasure[]): string[] {
  const fitted = ws.filter((w) => w.skipped === null);
  const q = (f: (w: WorldMeasure) => number, p: number) => quantileOf(fitted.map(f), p);
  const chans = fitted.flatMap((w) => w.channels);
  const budgets = fitted.filter((w) => Number.isFinite(w.value.current));
  const shares = budgets.map((w) => w.capturedShare).filter(Number.isFinite);
  return [
    name,
    `${fitted.length}/${ws.length}`,
    `${f2(q((w) => w.spearman, 0.5))} / ${f2(q((w) => w.spearman, 0.1))}`,
    `${f2(q((w) => w.acvRatio, 0.5))} [${f2(q((w) => w.acvRatio, 0.1))}, ${f2(q((w) => w.acvRatio, 0.9))}]`,
    f2(q((w) => w.roiAbsError, 0.5)),
    pct(chans.filter((c) => c.in80).length / chans.length),
    pct(chans.filter((c) => c.in95).length / chans.length),
    `${pct(quantileOf(shares, 0.5))} / ${pct(shares.length ? Math.min(...shares) : NaN)}`,
    `${budgets.filter((w) => w.losesValue).length}`,
  ];
}

function table(results: readonly WorldMeasure[]): string {
  const head = ['world', 'fitted', 'Spearman ROI median / p10', 'est/true ACV median [p10, p90]', '|ROI err| median', '80% cover', '95% cover',
    'captured median / min', 'worlds losing value'];
  const rows = [...GROUP_NAMES.map((g) => row(g, results.filter((w) => w.group === g))), row('**all**', results)];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Which commit measured, and whether the model code differed from it (another engineer's edits would change the numbers). */
function codeState(): { commit: string; dirty: string[] } {
  const git = (...a: string[]) => execFileSync('git', a, { cwd: resolve(__dirname, '..'), encoding: 'utf8' }).trim();
  try {
    return { commit: git('rev-parse', '--short', 'HEAD'), dirty: git('status', '--porcelain', '--', 'models', 'activities', 'generator').split('\n').filter(Boolean) };
  } catch {
    return { commit: 'unknown', dirty: [] };
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '3' }, 'first-seed': { type: 'string', default: '1' }, accounts: { type: 'string', default: '2000' },
      json: { type: 'string' }, keep: { type: 'boolean', default: false }, groups: { type: 'string' },
    },
  });
  const all = worldSuite(parsePositiveInt(values.seeds!, '--seeds'), parsePositiveInt(values['first-seed']!, '--first-seed'));
  // --groups: only these rows of the suite (to look at one knob while changing the model).
  const groups = values.groups?.split(',').map((g) => g.trim()).filter(Boolean);
  const unknown = groups?.filter((g) => !all.some((w) => w.group === g)) ?? [];
  if (unknown.length) throw new Error(`--groups: no group ${unknown.join(', ')}; the suite has ${[...new Set(all.map((w) => w.group))].join(', ')}`);
  const suite = groups ? all.filter((w) => groups.includes(w.group)) : all;
  const accounts = parsePositiveInt(values.accounts!, '--accounts');
  const root = mkdtempSync(join(tmpdir(), 'acvloop-truth-'));
  const code = codeState();
  log(`${suite.length} worlds of ${accounts} accounts in ${root} (code ${code.commit}${code.dirty.length ? `, dirty: ${code.dirty.join(', ')}` : ''})`);
  const started = Date.now();
  const results: WorldMeasure[] = [];
  try {
    for (const spec of suite) {
      const dir = join(root, `${spec.group}-${spec.seed}`);
      const m = await measureWorld(spec, dir, accounts);
      results.push(m);
      if (!values.keep) rmSync(dir, { recursive: true, force: true });
      log(`${spec.group} seed ${spec.seed} [${knobNames(spec.knobs).join(',') || `${spec.months} months`}]: ${m.skipped ? `no fit (${m.skipped})`
        : `rho ${f2(m.spearman)}, ACV ratio ${f2(m.acvRatio)}, captured ${pct(m.capturedShare)}${m.losesValue ? ' LOSES VALUE' : ''}`} (${m.seconds.toFixed(1)} s)`);
    }
  } finally {
    if (!values.keep) rmSync(root, { recursive: true, force: true });
  }
  const seconds = (Date.now() - started) / 1000;
  if (values.json) writeFileSync(values.json, JSON.stringify({ code, accounts, seconds, worlds: results }, null, 1) + '\n');
  process.stdout.write(`${table(results)}\n\n${results.length} worlds of ${accounts} accounts, ${seconds.toFixed(0)} s, code ${code.commit}${code.dirty.length ? ' (dirty)' : ''}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});

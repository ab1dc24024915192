import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { attributePaths, type PathAttribution, type PathModel } from '../../models/attribution-paths';
import { parsePathFile, PathFileError } from '../../models/paths';
import { printJson, say, table } from '../output';
import { parsePositiveInt } from '../parse';

/** --model names; 'shapley-simplified' is keyed `shapley_simplified` in the output. */
const MODEL_NAMES: Record<string, PathModel> = {
  first: 'first',
  last: 'last',
  linear: 'linear',
  'time-decay': 'time-decay',
  position: 'position',
  markov: 'markov',
  shapley: 'shapley',
  'shapley-simplified': 'shapley_simplified',
};
const ALL: PathModel[] = ['first', 'last', 'linear', 'time-decay', 'position', 'markov', 'shapley'];

export interface AnalyzeAttributionOptions {
  paths: string;
  sep?: string;
  model?: string;
  order?: string;
  json?: boolean;
}

/** The JSON document of `analyze attribution --json`. */
export function analyzeAttributionJson(r: PathAttribution, order: number) {
  return {
    models: r.models,
    removalEffects: r.removalEffects ?? {},
    removalEffectsValue: r.removalEffectsValue ?? {},
    markovOrder: order,
    totals: r.totals,
  };
}

/** Runs the analysis on a ChannelAttribution-style path file; errors name the file and line. */
export function runAnalyzeAttribution(opts: AnalyzeAttributionOptions): { result: PathAttribution; order: number } {
  const modelOpt = opts.model ?? 'all';
  let models: PathModel[];
  if (modelOpt === 'all') models = ALL;
  else {
    const m = MODEL_NAMES[modelOpt];
    if (!m) throw new Error(`--model takes all, ${Object.keys(MODEL_NAMES).join(', ')}; not "${modelOpt}"`);
    models = [m];
  }
  const order = opts.order === undefined ? 1 : parsePositiveInt(opts.order, '--order');
  const file = path.resolve(opts.paths);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${opts.paths}: cannot read the path file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const paths = parsePathFile(text, { sep: opts.sep ?? ';' });
    if (paths.length === 0) throw new Error(`${opts.paths}: the file has no path rows`);
    return { result: attributePaths(paths, { models, order }), order };
  } catch (err) {
    if (err instanceof PathFileError) throw new Error(`${opts.paths}:${err.line}: ${err.problem}`);
    if (err instanceof RangeError) throw new Error(`${opts.paths}: ${err.message}`);
    throw err;
  }
}

function formatText(r: PathAttribution, order: number): string {
  const models = Object.keys(r.models) as PathModel[];
  const channels = [...new Set(models.flatMap((m) => Object.keys(r.models[m]!)))];
  const num = (x: number) => x.toFixed(2);
  const lines = [
    `${r.totals.conversions} conversions, value ${num(r.totals.value)}, ${r.totals.nulls} null journeys`,
    '',
    'Conversions attributed per channel',
    table(['channel', ...models], channels.map((c) => [c, ...models.map((m) => num(r.models[m]![c]?.conversions ?? 0))])),
    '',
    'Value attributed per channel',
    table(['channel', ...models], channels.map((c) => [c, ...models.map((m) => num(r.models[m]![c]?.value ?? 0))])),
  ];
  if (r.removalEffects) {
    lines.push('', `Markov (order ${order}) removal effects`);
    lines.push(table(['channel', 'conversions', 'value'], channels.map((c) => [c, (r.removalEffects![c] ?? 0).toFixed(4), (r.removalEffectsValue![c] ?? 0).toFixed(4)])));
  }
  return lines.join('\n');
}

/**
 * Registers `attribution` under the given command (the lead wires it under
 * `analyze`): multi-touch attribution of a ChannelAttribution-style path file.
 */
export function analyzeAttributionCommand(program: Command): Command {
  return program
    .command('attribution')
    .description('multi-touch attribution of a path file (path;total_conversions;total_conversion_value;total_null, channels joined by " > ")')
    .requiredOption('--paths <file>', 'the path file')
    .option('--sep <c>', 'field separator', ';')
    .option('--model <name>', `all, ${Object.keys(MODEL_NAMES).join(', ')}`, 'all')
    .option('--order <k>', 'Markov order', '1')
    .option('--json', 'print JSON')
    .action((opts: AnalyzeAttributionOptions) => {
      const { result, order } = runAnalyzeAttribution(opts);
      if (opts.json) printJson(analyzeAttributionJson(result, order));
      else say(formatText(result, order));
    });
}

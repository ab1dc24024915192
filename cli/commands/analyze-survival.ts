import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { fitCox } from '../../models/cox';
import { kaplanMeier, logRankTest } from '../../models/survival';
import { printJson, say, table } from '../output';
import { pClause } from '../../lib/format';
import { dummies, eventFlags, parseCategorical } from '../survival-columns';

/**
 * `acvloop analyze survival`: Kaplan–Meier (by group), the log-rank test
 * between groups and a Cox model on numeric and categorical covariates, for
 * any CSV of durations and event flags (e.g. contract tenures and churns).
 */

export interface AnalyzeSurvivalOptions {
  csv: string;
  duration: string;
  event: string;
  /** The event column's value that means the event happened (e.g. Yes); the column's other value is censoring. */
  eventTrue?: string;
  group?: string;
  /** Comma-separated numeric columns. */
  covariates?: string;
  /** Comma-separated categorical columns, each `name` or `name=REFERENCE`: 0/1 dummies, one per level but the reference. */
  categorical?: string;
}

export interface SurvivalReport {
  kaplanMeier: Record<string, { median: number | null; n: number; events: number }>;
  logRank: { statistic: number; p: number; df: number } | null;
  cox: {
    coefficients: Record<string, number>;
    standardErrors: Record<string, number>;
    logLikelihood: number;
    concordance: number;
    converged: boolean;
    iterations: number;
    /** Per categorical covariate, the level its dummies (`column=level`) are against. */
    references: Record<string, string>;
  } | null;
}

interface Table {
  header: string[];
  rows: { line: number; cells: string[] }[];
}

function readCsv(file: string): Table {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, info: true, relax_column_count: false }) as unknown as typeof records;
  } catch (err) {
    const e = err as Error & { lines?: number };
    const counts = /expect (\d+), got (\d+)/.exec(e.message);
    const problem = counts ? `the row has ${counts[2]} fields where the header has ${counts[1]}` : e.message.split('\n')[0];
    throw new Error(`${file}, line ${e.lines ?? '?'}: ${problem}`);
  }
  if (records.length === 0) throw new Error(`${file}: the file is empty`);
  const [head, ...body] = records;
  return { header: head.record.map((h) => h.trim()), rows: body.map((r) => ({ line: r.info.lines, cells: r.record })) };
}

function columnIndex(t: Table, file: string, name: string, flag: string): number {
  const i = t.header.indexOf(name);
  if (i < 0) throw new Error(`${file}: ${flag} names column "${name}", which is not in the header (${t.header.join(', ')})`);
  return i;
}

function numberCell(file: string, line: number, column: string, cell: string): number {
  const v = cell.trim() === '' ? NaN : Number(cell);
  if (!Number.isFinite(v)) throw new Error(`${file}, line ${line}: column "${column}" is "${cell}", not a number`);
  return v;
}

/**
 * Read the CSV and run the analyses. Throws one-line errors naming the file,
 * line and problem.
 *
 * @example
 * analyzeSurvival({ csv: 'rossi.csv', duration: 'week', event: 'arrest', covariates: 'fin,age,prio' }).cox?.coefficients;
 */
export function analyzeSurvival(opts: AnalyzeSurvivalOptions): SurvivalReport {
  const file = opts.csv;
  const t = readCsv(file);
  if (t.rows.length === 0) throw new Error(`${file}: no data rows after the header`);
  const di = columnIndex(t, file, opts.duration, '--duration');
  const ei = columnIndex(t, file, opts.event, '--event');
  const gi = opts.group !== undefined ? columnIndex(t, file, opts.group, '--group') : -1;
  const covNames = opts.covariates ? opts.covariates.split(',').map((c) => c.trim()).filter((c) => c !== '') : [];
  const ci = covNames.map((c) => columnIndex(t, file, c, '--covariates'));
  const categorical = parseCategorical(opts.categorical);
  const cati = categorical.map((c) => columnIndex(t, file, c.column, '--categorical'));

  const times: number[] = [];
  const groups: string[] = [];
  const x: number[][] = [];
  for (const r of t.rows) {
    const d = numberCell(file, r.line, opts.duration, r.cells[di]);
    if (d < 0) throw new Error(`${file}, line ${r.line}: duration "${r.cells[di]}" is negative`);
    times.push(d);
    if (gi >= 0) groups.push(r.cells[gi]);
    x.push(ci.map((c, k) => numberCell(file, r.line, covNames[k], r.cells[c])));
  }
  const events = eventFlags(file, opts.event, t.rows, ei, opts.eventTrue);
  const dummy = dummies(file, t.rows, categorical, cati);
  dummy.rows.forEach((d, i) => x[i].push(...d));
  const xNames = [...covNames, ...dummy.names];

  const kmOf = (ts: number[], es: boolean[]) => {
    const km = kaplanMeier(ts, es);
    return { median: km.median, n: km.n, events: km.events };
  };
  const kaplanMeierByGroup: SurvivalReport['kaplanMeier'] = {};
  let logRank: SurvivalReport['logRank'] = null;
  if (gi >= 0) {
    for (const g of [...new Set(groups)].sort()) {
      const idx = groups.map((v, i) => (v === g ? i : -1)).filter((i) => i >= 0);
      kaplanMeierByGroup[g] = kmOf(idx.map((i) => times[i]), idx.map((i) => events[i]));
    }
    if (Object.keys(kaplanMeierByGroup).length >= 2) {
      const lr = logRankTest(times, events, groups);
      logRank = { statistic: lr.statistic, p: lr.p, df: lr.df };
    }
  } else {
    kaplanMeierByGroup.all = kmOf(times, events);
  }

  let cox: SurvivalReport['cox'] = null;
  if (xNames.length) {
    if (!events.some(Boolean)) throw new Error(`${file}: no events in column "${opts.event}": a Cox model needs at least one`);
    let fit;
    try {
      fit = fitCox(x, times, events);
    } catch (err) {
      throw new Error(`${file}: the Cox model cannot be fitted (${(err as Error).message}); check for constant or collinear covariates`);
    }
    cox = {
      coefficients: Object.fromEntries(xNames.map((c, j) => [c, fit.coefficients[j]])),
      standardErrors: Object.fromEntries(xNames.map((c, j) => [c, fit.standardErrors[j]])),
      logLikelihood: fit.logLikelihood,
      concordance: fit.concordance,
      converged: fit.converged,
      iterations: fit.iterations,
      references: dummy.references,
    };
  }
  return { kaplanMeier: kaplanMeierByGroup, logRank, cox };
}

function printHuman(r: SurvivalReport): void {
  const fmt = (v: number, d = 4) => v.toFixed(d);
  say('Kaplan–Meier');
  say(table(['group', 'n', 'events', 'median'], Object.entries(r.kaplanMeier).map(([g, k]) => [g, k.n, k.events, k.median === null ? 'not reached' : k.median])));
  if (r.logRank) {
    say('');
    say(`Log-rank test: chi-square ${fmt(r.logRank.statistic, 2)} on ${r.logRank.df} df, ${pClause(r.logRank.p)}`);
  }
  if (r.cox) {
    const c = r.cox;
    say('');
    say(`Cox proportional hazards (Efron ties)${c.converged ? '' : ' — did not converge'}`);
    say(table(['covariate', 'coef', 'exp(coef)', 'se'], Object.keys(c.coefficients).map((k) => [k, fmt(c.coefficients[k]), fmt(Math.exp(c.coefficients[k])), fmt(c.standardErrors[k])])));
    for (const [column, level] of Object.entries(c.references)) say(`${column}: each ${column}=LEVEL is against the reference level "${level}"`);
    say(`log partial likelihood ${fmt(c.logLikelihood, 3)}; concordance ${fmt(c.concordance, 3)}`);
  }
}

/**
 * Register `survival` under the `analyze` command.
 *
 * @example
 * analyzeSurvivalCommand(program.command('analyze'));
 * // acvloop analyze survival --csv rossi.csv --duration week --event arrest --covariates fin,age --json
 */
export function analyzeSurvivalCommand(analyze: Command): Command {
  return analyze
    .command('survival')
    .description('Kaplan–Meier by group, the log-rank test and a Cox model (Efron ties) on a CSV of durations and events')
    .requiredOption('--csv <file>', 'the CSV file (header row first)')
    .requiredOption('--duration <col>', 'column of durations (numbers >= 0)')
    .requiredOption('--event <col>', 'column of event flags (1/0 or true/false; 0 = censored)')
    .option('--event-true <value>', 'the --event value that means the event happened (e.g. Yes); the column\'s other value means censored')
    .option('--group <col>', 'column whose values split the Kaplan–Meier curves and the log-rank test')
    .option('--covariates <a,b,...>', 'numeric columns for the Cox model')
    .option('--categorical <a,b=LEVEL,...>', 'categorical columns for the Cox model, as 0/1 dummies against a reference level (the first in sorted order, or the one after =)')
    .option('--json', 'print JSON')
    .action((opts: AnalyzeSurvivalOptions & { json?: boolean }) => {
      const report = analyzeSurvival(opts);
      if (opts.json) printJson(report);
      else printHuman(report);
    });
}

import { openDb } from '../env';
import { readCohortWhatIf, readContractWhatIf, type CohortWhatIfOfRun, type ContractWhatIfOfRun, type WhatIfOfRun } from '../../queries/whatif';
import type { CohortTotals, ContractOutcome, WhatIfScenario } from '../../models/whatif';
import { printJson, say, table } from '../output';
import { pct, usd } from '../../lib/format';

interface WhatIfOptions { contract?: string; segment?: string; region?: string; term?: string; discount?: string; price?: string; json?: boolean }

/**
 * `acvloop whatif RUN --contract ID | --segment S [--region R] [--term 12|24|36] [--discount PCT] [--price PCT] [--json]`:
 * a scored contract, or a cohort of the run's active contracts, as scored and on other terms.
 */
export async function whatifCommand(runId: string, opts: WhatIfOptions): Promise<number> {
  // Checked before the database is opened: a mistyped option is the caller's, whatever the database says.
  if ((opts.contract === undefined) === (opts.segment === undefined)) throw new Error('acvloop whatif takes --contract ID or --segment S (one of them)');
  if (opts.region !== undefined && opts.segment === undefined) throw new Error('--region narrows a --segment cohort; a --contract has its own');
  const levers = leversOf(opts);
  const handle = await openDb();
  try {
    if (opts.contract !== undefined) {
      const w = await readContractWhatIf(handle, runId, opts.contract, levers);
      if (opts.json) printJson(w);
      else printContract(w);
    } else {
      const w = await readCohortWhatIf(handle, runId, { segment: opts.segment!, region: opts.region }, levers);
      if (opts.json) printJson(w);
      else printCohort(w);
    }
    return 0;
  } finally {
    await handle.close();
  }
}

function leversOf(opts: WhatIfOptions): WhatIfScenario {
  const levers: WhatIfScenario = {};
  if (opts.term !== undefined) {
    if (!['12', '24', '36'].includes(opts.term)) throw new Error(`--term takes 12, 24 or 36 (months), not "${opts.term}"`);
    levers.termMonths = Number(opts.term);
  }
  if (opts.discount !== undefined) {
    const d = percent(opts.discount, '--discount');
    if (!(d >= 0 && d < 100)) throw new Error(`--discount takes the discount off list price in percent, from 0 up to (not including) 100, not "${opts.discount}"`);
    levers.discountPct = d;
  }
  if (opts.price !== undefined) {
    const p = percent(opts.price, '--price');
    if (!(p > -100)) throw new Error(`--price takes the change of list price in percent, above -100 (e.g. 10 or -5), not "${opts.price}"`);
    levers.pricePct = p;
  }
  return levers;
}

function percent(v: string, option: string): number {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)%?$/.test(v.trim())) throw new Error(`${option} takes a percentage such as 10, -5 or 12.5, not "${v}"`);
  return Number(v.trim().replace(/%$/, ''));
}

function leversSaid(l: WhatIfScenario): string {
  const said = [
    l.termMonths !== undefined ? `term ${l.termMonths} months` : '',
    l.discountPct !== undefined ? `discount ${l.discountPct}%` : '',
    l.pricePct !== undefined ? `list price ${l.pricePct >= 0 ? '+' : ''}${l.pricePct}%` : '',
  ].filter(Boolean);
  return said.length ? said.join(', ') : 'its own terms';
}

function printHeader(w: WhatIfOfRun, what: string): void {
  say(`What-if of ${what} in run ${w.runId}, as of ${w.asOf}: ${leversSaid(w.levers)}`);
  say(`Renewal model: version ${w.modelVersionId} (${w.renewalModel === 'logistic' ? 'logistic' : 'empirical rate by segment'})`);
}

function printEffects(w: WhatIfOfRun): void {
  const used = [['discount', w.levers.discountPct], ['price', w.levers.pricePct], ['term', w.levers.termMonths]] as const;
  for (const [lever, value] of used) if (value !== undefined) say(`  ${lever}: ${w.effects[lever].note}`);
}

/** A change of a share in percentage points: 78.3% to 72.0% is -6.3 pp, not -6.3%. */
const points = (x: number) => `${(x * 100).toFixed(1)} pp`;
const sign = (n: number, f: (x: number) => string) => (n > 0 ? '+' : n < 0 ? '-' : '') + f(Math.abs(n)).replace(/^-/, '');

function printContract(w: ContractWhatIfOfRun): void {
  printHeader(w, `contract ${w.contractId} (account ${w.accountId}, ${w.segment}${w.region ? `, ${w.region}` : ''})`);
  printEffects(w);
  const rows: [string, (o: ContractOutcome) => number | string | null, 'usd' | 'pct' | 'text'][] = [
    ['ACV', (o) => o.acvUsd, 'usd'], ['discount', (o) => (o.discountPct === null ? null : o.discountPct / 100), 'pct'], ['term (months)', (o) => o.termMonths, 'text'],
    ['end date', (o) => o.endDate, 'text'], ['renewal probability', (o) => o.renewalProbability, 'pct'], ['LTV P10', (o) => o.ltvP10, 'usd'],
    ['LTV P50', (o) => o.ltvP50, 'usd'], ['LTV P90', (o) => o.ltvP90, 'usd'], ['LTV mean', (o) => o.ltvMean, 'usd'],
    ['annual margin', (o) => o.marginAnnualUsd, 'usd'], ['projected ARR (12 mo)', (o) => o.projectedArr, 'usd'],
  ];
  const shown = (v: number | string | null, kind: string) => (typeof v === 'number' ? (kind === 'usd' ? usd(v) : kind === 'pct' ? pct(v) : String(v)) : v ?? '—');
  const change = (a: number | string | null, b: number | string | null, kind: string) =>
    typeof a === 'number' && typeof b === 'number' && kind !== 'text' ? (a === b ? '' : sign(b - a, kind === 'usd' ? usd : points)) : '';
  say(table(['', 'baseline', 'scenario', 'change'], rows.map(([label, f, kind]) => {
    const [a, b] = [f(w.baseline), f(w.scenario)];
    return [label, shown(a, kind), shown(b, kind), change(a, b, kind)];
  })));
  for (const n of w.notes) say(`Note: ${n}`);
  if (!w.reproducesScore) say(`Warning: the baseline recomputed here differs from the run's stored score (LTV P50 ${usd(w.scored.ltvP50)}): the run was scored by other code or data`);
}

function printCohort(w: CohortWhatIfOfRun): void {
  printHeader(w, `the ${w.baseline.contracts} active contracts of segment ${w.cohort.segment}${w.cohort.region ? ` in region ${w.cohort.region}` : ''}`);
  printEffects(w);
  const rows: [string, (t: CohortTotals) => number | null, 'usd' | 'pct' | 'num'][] = [
    ['ACV', (t) => t.acvUsd, 'usd'], ['annual margin', (t) => t.marginAnnualUsd, 'usd'], ['mean renewal probability', (t) => t.meanRenewalProbability, 'pct'],
    ['expected renewals', (t) => t.expectedRenewals, 'num'], ['LTV mean (sum)', (t) => t.ltvMean, 'usd'], ['LTV P50 (sum of contracts\')', (t) => t.ltvP50, 'usd'],
    ['projected ARR (12 mo)', (t) => t.projectedArr, 'usd'],
  ];
  const shown = (v: number | null, kind: string) => (v === null ? '—' : kind === 'usd' ? usd(v) : kind === 'pct' ? pct(v) : v.toFixed(1));
  say(table(['', 'baseline', 'scenario', 'change'], rows.map(([label, f, kind]) => {
    const [a, b] = [f(w.baseline), f(w.scenario)];
    return [label, shown(a, kind), shown(b, kind), a === null || b === null || a === b ? '' : sign(b - a, (x) => (kind === 'pct' ? points(x) : shown(x, kind)))];
  })));
  const noted = w.contracts.filter((c) => c.notes.length > 0).length;
  if (noted) say(`Note: ${noted} of the contracts carry a note (a blank discount, a renewal the new term puts before the run's date): --json lists them`);
  if (!w.reproducesScores) say('Warning: the baseline recomputed here differs from the run\'s stored scores: the run was scored by other code or data');
}

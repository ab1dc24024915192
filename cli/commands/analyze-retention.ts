import type { Command } from 'commander';
import { projectRetention } from '../../models/sbg';
import { printJson, say, table } from '../output';

/**
 * `acvloop analyze retention`: the shifted-beta-geometric model (Fader &
 * Hardie 2007) fitted to a cohort's survivor counts, projected to a horizon.
 */

export interface RetentionReport {
  alpha: number;
  beta: number;
  logLikelihood: number;
  /** S(t), t = 0 … horizon. */
  survival: number[];
  /** r(t), t = 1 … horizon. */
  retention: number[];
  converged: boolean;
}

/**
 * Parse `--survivors` and `--horizon` and fit. Throws one-line errors.
 *
 * @example
 * analyzeRetention({ survivors: '1000,631,468,382,326,289,262,241', horizon: '12' }).alpha; // ≈ 0.704
 */
export function analyzeRetention(opts: { survivors: string; horizon?: string }): RetentionReport {
  const cells = opts.survivors.split(',').map((c) => c.trim());
  const survivors = cells.map((c, i) => {
    const v = c === '' ? NaN : Number(c);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--survivors: value ${i + 1} ("${c}") is not a count >= 0`);
    return v;
  });
  if (survivors.length < 2) throw new Error('--survivors needs at least two counts: N0 (the cohort) and N1');
  for (let i = 1; i < survivors.length; i++) {
    if (survivors[i] > survivors[i - 1]) throw new Error(`--survivors: value ${i + 1} (${survivors[i]}) is larger than the one before (${survivors[i - 1]}); survivors cannot rise`);
  }
  if (!(survivors[0] > 0)) throw new Error('--survivors: the first count (the cohort) must be > 0');
  let horizon: number | undefined;
  if (opts.horizon !== undefined) {
    horizon = Number(opts.horizon);
    if (!Number.isInteger(horizon) || horizon < 1) throw new Error(`--horizon takes a whole number of periods >= 1, not "${opts.horizon}"`);
  }
  const p = projectRetention(survivors, horizon);
  return { alpha: p.alpha, beta: p.beta, logLikelihood: p.logLikelihood, survival: p.survival, retention: p.retention, converged: p.converged };
}

/**
 * Register `retention` under the `analyze` command.
 *
 * @example
 * analyzeRetentionCommand(program.command('analyze'));
 * // acvloop analyze retention --survivors 1000,631,468,382,326,289,262,241 --horizon 12 --json
 */
export function analyzeRetentionCommand(analyze: Command): Command {
  return analyze
    .command('retention')
    .description('fit the shifted-beta-geometric retention model to survivor counts N0,N1,... and project it')
    .requiredOption('--survivors <N0,N1,...>', 'customers still active at periods 0, 1, 2, ... of one cohort')
    .option('--horizon <periods>', 'project survival and retention this many periods (default: the periods given)')
    .option('--json', 'print JSON')
    .action((opts: { survivors: string; horizon?: string; json?: boolean }) => {
      const r = analyzeRetention(opts);
      if (opts.json) {
        printJson(r);
        return;
      }
      say(`sBG: alpha ${r.alpha.toFixed(4)}, beta ${r.beta.toFixed(4)}, log-likelihood ${r.logLikelihood.toFixed(2)}${r.converged ? '' : ' (did not converge)'}`);
      say(table(['period', 'survival', 'retention'], r.survival.map((s, t) => [t, s.toFixed(4), t === 0 ? '—' : r.retention[t - 1].toFixed(4)])));
    });
}

/**
 * The analyst commands against their Python peers (issue 15): acvloop's
 * `analyze survival` (Cox PH) against lifelines' CoxPHFitter, and `analyze
 * attribution --model markov` against ChannelAttribution's markov_model, on
 * the same files, side by side in one run. It checks that they agree and
 * prints the time ratios.
 *
 *   npm run -s bench:peers -- --install          # create or refresh the peers' virtualenv (PyPI), then measure
 *   npm run -s bench:peers -- [--runs 3] [--json out.json] [--source] [--markov-reference-sims 1e7]
 *
 * acvloop is timed as the whole CLI process (`node bin/acvloop.js analyze
 * ...`, wall time), as a user pays it; the peer in-process in Python, only
 * its fit call after imports and file reading (bench/peers/peers.py), its
 * best case; both also as CPU seconds (user + system of the whole process
 * for acvloop, of the fit for the peer), steadier than wall time on a shared
 * machine. Median of --runs each. ChannelAttribution's Markov model simulates
 * paths (nsim_start 1e5 by default, noisy by a few %), acvloop's is exact:
 * the agreement check compares against one more, untimed, peer run with
 * --markov-reference-sims paths (1e7; 0 skips it). --source runs acvloop from its
 * TypeScript sources (ACVLOOP_FROM_SOURCE=1) instead of dist/ when that is
 * fresh. The virtualenv lives in .acvloop/peers-venv (ignored by git); no
 * test needs it. Markdown table on stdout, progress on stderr. See
 * bench/README.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(__dirname, '..');
const VENV = join(ROOT, '.acvloop', 'peers-venv');
const PY = join(VENV, 'bin', 'python');
const PEERS_PY = join(__dirname, 'peers', 'peers.py');
const DATA = resolve(ROOT, '..', 'shared', 'data');
const ROSSI = join(DATA, 'lifelines', 'rossi.csv');
const PATHS = join(DATA, 'channelattribution', 'Data.csv');
const COVARIATES = ['fin', 'age', 'race', 'wexp', 'mar', 'paro', 'prio'];
/** The peers, pinned as the issue measured them. */
const LIFELINES = 'lifelines==0.30.3';
const CHANNEL_ATTRIBUTION = 'ChannelAttribution==2.2.5';
/** Cox: a coefficient agrees when |acvloop − lifelines| ≤ COX_TOL · max(1, |lifelines|) (absolute below 1, relative above). */
const COX_TOL = 1e-3;
/**
 * Markov: ChannelAttribution simulates paths, acvloop solves the absorbing chain exactly. A channel's conversions agree
 * when they are within 1% of the peer's reference run (nsim_start MARKOV_REFERENCE_SIMS, untimed) or, on the smallest
 * channels where that run's own simulation noise exceeds 1%, within 0.1% of all conversions.
 */
const MARKOV_TOL = 0.01;
const MARKOV_ABS_TOL = 0.001;
const MARKOV_REFERENCE_SIMS = 1e7;
const CPU_PRELOAD = join(__dirname, 'peers', 'cpu-at-exit.js');

const log = (m: string) => process.stderr.write(`bench:peers: ${m}\n`);
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Row {
  task: string;
  acvloopSeconds: number[];
  acvloopMedian: number;
  acvloopCpuSeconds: number[];
  acvloopCpuMedian: number;
  peer: string | null;
  peerSeconds: number[];
  peerMedian: number | null;
  peerCpuSeconds: number[];
  peerCpuMedian: number | null;
  ratio: number | null;
  cpuRatio: number | null;
  goal: number;
  goalKind: 'ratio' | 'seconds';
  meetsGoal: boolean;
  agree: boolean | null;
  agreement: string;
  detail?: unknown;
}

/** Creates the virtualenv if missing, then installs the peers from PyPI; ChannelAttribution (an sdist: needs a C++17 compiler) may fail alone. */
function install(): { channelAttribution: string | null } {
  const python = process.env.PYTHON ?? 'python3';
  if (!existsSync(PY)) {
    log(`creating ${VENV} with ${python}`);
    execFileSync(python, ['-m', 'venv', VENV], { stdio: 'inherit' });
  }
  // pip's output goes to stderr (stdout carries the table). The pins decide the versions; pandas is whatever they accept.
  const pip = (...pkgs: string[]) => spawnSync(PY, ['-m', 'pip', 'install', ...pkgs], { stdio: ['ignore', 2, 'inherit'] }).status === 0;
  log(`installing ${LIFELINES} and pandas`);
  if (!pip(LIFELINES, 'pandas')) throw new Error(`pip could not install ${LIFELINES} into ${VENV} (its output is above)`);
  log(`installing ${CHANNEL_ATTRIBUTION} (PyPI has only its source: pip compiles it, C++17)`);
  if (!pip(CHANNEL_ATTRIBUTION)) {
    const why = `pip could not install ${CHANNEL_ATTRIBUTION} (its output is above); the Markov row runs without its peer`;
    log(why);
    return { channelAttribution: why };
  }
  return { channelAttribution: null };
}

function hasModule(mod: string): boolean {
  return spawnSync(PY, ['-c', `import ${mod}`], { stdio: 'ignore' }).status === 0;
}

/** One `node bin/acvloop.js ...` process, timed from spawn to exit (wall), and its own CPU time (cpu-at-exit.js); its stdout. */
function acvloop(args: string[], env: NodeJS.ProcessEnv): { seconds: number; cpuSeconds: number; stdout: string } {
  const withCpu = { ...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --require ${CPU_PRELOAD}`.trim() };
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'acvloop.js'), ...args], { cwd: ROOT, env: withCpu, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`acvloop ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const cpu = /bench-peers-cpu-seconds (\S+)/.exec(r.stderr);
  return { seconds, cpuSeconds: cpu ? Number(cpu[1]) : NaN, stdout: r.stdout };
}

function timesOf(runs: number, args: string[], env: NodeJS.ProcessEnv): { seconds: number[]; cpuSeconds: number[]; stdout: string } {
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  let stdout = '';
  for (let i = 0; i < runs; i++) {
    const r = acvloop(args, env);
    seconds.push(r.seconds);
    cpuSeconds.push(r.cpuSeconds);
    stdout = r.stdout;
  }
  return { seconds, cpuSeconds, stdout };
}

/** The row's timing fields: medians and ratios (acvloop / peer). */
function timing(a: { seconds: number[]; cpuSeconds: number[] }, p: { seconds: number[]; cpuSeconds: number[] } | null) {
  const am = median(a.seconds), ac = median(a.cpuSeconds);
  const pm = p ? median(p.seconds) : null, pc = p ? median(p.cpuSeconds) : null;
  return {
    acvloopSeconds: a.seconds, acvloopMedian: am, acvloopCpuSeconds: a.cpuSeconds, acvloopCpuMedian: ac,
    peerSeconds: p?.seconds ?? [], peerMedian: pm, peerCpuSeconds: p?.cpuSeconds ?? [], peerCpuMedian: pc,
    ratio: pm === null ? null : am / pm, cpuRatio: pc === null ? null : ac / pc,
  };
}

function peer(args: string[]): any {
  const r = spawnSync(PY, [PEERS_PY, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`peers.py ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function coxRow(task: string, csv: string, goal: number, runs: number, env: NodeJS.ProcessEnv): Row {
  log(`${task}: acvloop analyze survival × ${runs}`);
  const a = timesOf(runs, ['analyze', 'survival', '--csv', csv, '--duration', 'week', '--event', 'arrest', '--covariates', COVARIATES.join(','), '--json'], env);
  const ours = JSON.parse(a.stdout).cox as { coefficients: Record<string, number>; standardErrors: Record<string, number>; logLikelihood: number };
  log(`${task}: lifelines CoxPHFitter.fit × ${runs}`);
  const p = peer(['cox', '--csv', csv, '--duration', 'week', '--event', 'arrest', '--covariates', COVARIATES.join(','), '--runs', String(runs)]);
  const diffs = COVARIATES.map((c) => {
    const x = ours.coefficients[c], y = p.coefficients[c] as number;
    const d = x === undefined ? Infinity : Math.abs(x - y);
    return { covariate: c, acvloop: x ?? null, peer: y, absDiff: d, ok: d <= COX_TOL * Math.max(1, Math.abs(y)),
      seAbsDiff: Math.abs((ours.standardErrors[c] ?? NaN) - p.standardErrors[c]) };
  });
  const worst = Math.max(...diffs.map((d) => d.absDiff));
  const worstSe = Math.max(...diffs.map((d) => d.seAbsDiff));
  const agree = diffs.every((d) => d.ok);
  const t = timing(a, p);
  return {
    task, ...t, peer: p.peer, goal, goalKind: 'ratio', meetsGoal: t.ratio! <= goal, agree,
    agreement: `7 coefficients within ${COX_TOL} (relative above 1): max |Δ| ${worst.toExponential(1)} (SE max |Δ| ${worstSe.toExponential(1)}, log-lik ${ours.logLikelihood.toFixed(3)} vs ${p.logLikelihood.toFixed(3)})`,
    detail: { rows: p.rows, coefficients: diffs, logLikelihood: { acvloop: ours.logLikelihood, peer: p.logLikelihood } },
  };
}

function markovRow(goal: number, runs: number, env: NodeJS.ProcessEnv, peerMissing: string | null, referenceSims: number): Row {
  const task = 'Markov order 1 on `Data.csv` (10k paths)';
  log(`markov: acvloop analyze attribution --model markov × ${runs}`);
  const a = timesOf(runs, ['analyze', 'attribution', '--paths', PATHS, '--sep', ';', '--model', 'markov', '--order', '1', '--json'], env);
  const ours = JSON.parse(a.stdout).models.markov as Record<string, { conversions: number }>;
  if (peerMissing) {
    return { task, ...timing(a, null), peer: null, goal, goalKind: 'ratio', meetsGoal: false, agree: null, agreement: `no peer: ${peerMissing}` };
  }
  log(`markov: ChannelAttribution markov_model × ${runs} (seeds 0..${runs - 1})${referenceSims ? `, then once untimed with nsim_start ${referenceSims.toExponential(0)}` : ''}`);
  const p = peer(['markov', '--paths', PATHS, '--sep', ';', '--order', '1', '--runs', String(runs), '--reference-sims', String(referenceSims)]);
  const peerRuns = p.runs as Record<string, { conversions: number }>[];
  const reference = p.reference?.channels as Record<string, { conversions: number }> | undefined;
  const channels = [...new Set([...Object.keys(ours), ...peerRuns.flatMap((r) => Object.keys(r))])];
  const total = Object.values(ours).reduce((s, c) => s + c.conversions, 0);
  const channelRows = channels.map((c) => {
    const xs = peerRuns.map((r) => r[c]?.conversions ?? 0);
    const x = ours[c]?.conversions ?? 0;
    const ref = reference ? reference[c]?.conversions ?? 0 : NaN;
    const absDiff = Math.abs(x - ref);
    return {
      channel: c, acvloop: x, reference: reference ? ref : null, relDiff: ref === 0 ? (x === 0 ? 0 : Infinity) : absDiff / ref,
      ok: reference ? absDiff <= MARKOV_TOL * ref || absDiff <= MARKOV_ABS_TOL * total : null,
      peerRunsMin: Math.min(...xs), peerRunsMax: Math.max(...xs),
      // The timed runs' own spread (nsim_start 1e5): max |run - acvloop| / acvloop.
      peerRunsRelSpread: x === 0 ? 0 : Math.max(...xs.map((v) => Math.abs(v - x))) / x,
    };
  });
  const agree = reference ? channelRows.every((r) => r.ok) : null;
  const big = channelRows.filter((r) => r.acvloop >= 0.01 * total);
  const worstBig = big.reduce((w, r) => (r.relDiff > w.relDiff ? r : w), big[0]!);
  const worstRuns = big.reduce((w, r) => (r.peerRunsRelSpread > w.peerRunsRelSpread ? r : w), big[0]!);
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const t = timing(a, p);
  return {
    task, ...t, peer: p.peer, goal, goalKind: 'ratio', meetsGoal: t.ratio! <= goal, agree,
    agreement: (reference
      ? `${channelRows.filter((r) => r.ok).length}/${channelRows.length} channels' conversions within 1% (or 0.1% of all ${total.toFixed(0)}) of the peer run untimed with `
        + `nsim_start ${referenceSims.toExponential(0)}; worst of the ${big.length} channels over 1% of conversions: ${worstBig.channel} ${pct(worstBig.relDiff)}`
        + `${channelRows.filter((r) => !r.ok).map((r) => `; **off: ${r.channel} ${r.acvloop.toFixed(2)} vs ${r.reference!.toFixed(2)}**`).join('')}`
      : 'no reference run (--markov-reference-sims 0): agreement not checked')
      + `. The timed runs (its defaults) scatter up to ${pct(worstRuns.peerRunsRelSpread)} from acvloop's exact figure (${worstRuns.channel})`,
    detail: { rows: p.rows, totalConversions: total, reference: p.reference ? { nsimStart: referenceSims, seconds: p.reference.seconds } : null, channels: channelRows },
  };
}

function helpRow(runs: number, env: NodeJS.ProcessEnv): Row {
  log(`help: acvloop --help × ${runs}`);
  const t = timing(timesOf(runs, ['--help'], env), null);
  return { task: '`acvloop --help`', ...t, peer: null, goal: 0.15, goalKind: 'seconds', meetsGoal: t.acvloopMedian <= 0.15, agree: null, agreement: '' };
}

function table(rows: readonly Row[]): string {
  const s = (x: number | null) => (x === null ? '—' : x < 0.1 ? x.toFixed(3) : x.toFixed(2));
  const r1 = (x: number | null) => (x === null ? '' : `${x.toFixed(1)}x`);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const head = ['task', 'acvloop (s)', 'peer (s)', 'ratio', 'goal', 'agree', 'CPU: acvloop / peer (s)', 'CPU ratio'];
  return [line(head), line(head.map(() => '---')), ...rows.map((r) => line([
    r.task,
    s(r.acvloopMedian),
    s(r.peerMedian),
    r1(r.ratio),
    `${r.goalKind === 'ratio' ? `≤ ${r.goal}x` : `≤ ${r.goal} s`} ${r.meetsGoal ? '✓' : '✗'}`,
    r.agree === null ? (r.agreement ? 'n/a' : '') : r.agree ? 'yes' : '**no**',
    `${s(r.acvloopCpuMedian)} / ${s(r.peerCpuMedian)}`,
    r1(r.cpuRatio),
  ]))].join('\n');
}

function codeState(): { commit: string; dirty: boolean } {
  const git = (...a: string[]) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
  try {
    return { commit: git('rev-parse', '--short', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no').length > 0 };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

function main(): number {
  const { values } = parseArgs({
    options: {
      install: { type: 'boolean', default: false }, runs: { type: 'string', default: '3' }, json: { type: 'string' }, source: { type: 'boolean', default: false },
      'markov-reference-sims': { type: 'string', default: String(MARKOV_REFERENCE_SIMS) },
    },
  });
  const referenceSims = Number(values['markov-reference-sims']);
  if (!Number.isInteger(referenceSims) || referenceSims < 0) throw new Error(`--markov-reference-sims takes a whole number ≥ 0, not "${values['markov-reference-sims']}"`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number ≥ 1, not "${values.runs}"`);
  let peerMissing: string | null = null;
  if (values.install) peerMissing = install().channelAttribution;
  else if (!existsSync(PY)) {
    process.stderr.write(`bench:peers: no virtualenv at ${VENV}. Create it (from PyPI: ${LIFELINES}, ${CHANNEL_ATTRIBUTION}, pandas) with\n`
      + '  npm run -s bench:peers -- --install\n');
    return 2;
  }
  if (!hasModule('lifelines')) throw new Error(`${VENV} has no lifelines: run with --install`);
  if (!peerMissing && !hasModule('ChannelAttribution')) peerMissing = `ChannelAttribution is not installed in ${VENV} (see bench/README.md)`;

  const env: NodeJS.ProcessEnv = { ...process.env };
  if (values.source) env.ACVLOOP_FROM_SOURCE = '1';
  else delete env.ACVLOOP_FROM_SOURCE;
  const launcher = values.source ? 'TypeScript sources (tsx)' : require('../bin/sources.js').distIsFresh() ? 'dist/ build' : 'TypeScript sources (tsx; dist/ missing or stale)';
  const code = codeState();
  log(`acvloop runs from its ${launcher}; code ${code.commit}${code.dirty ? ' (dirty)' : ''}`);

  const tmp = mkdtempSync(join(tmpdir(), 'acvloop-peers-'));
  try {
    // rossi × 250: the header once, the 432 rows 250 times (the same MLE, 108,000 rows).
    const [header, ...body] = readFileSync(ROSSI, 'utf8').trimEnd().split('\n');
    const rossi250 = join(tmp, 'rossi-x250.csv');
    writeFileSync(rossi250, `${header}\n${Array.from({ length: 250 }, () => body.join('\n')).join('\n')}\n`);
    const rows = [
      coxRow('Cox PH on `rossi` (432 rows)', ROSSI, 3, runs, env),
      coxRow('Cox PH on `rossi` x 250 (108k rows)', rossi250, 2, runs, env),
      markovRow(2, runs, env, peerMissing, referenceSims),
      helpRow(runs, env),
    ];
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    if (values.json) writeFileSync(values.json, JSON.stringify({ code, launcher, runs, loadAverage: load, node: process.version, rows }, null, 1) + '\n');
    process.stdout.write(`${table(rows)}\n\n${rows.filter((r) => r.agreement).map((r) => `- ${r.task}: ${r.agreement}`).join('\n')}\n\n`
      + `median of ${runs}; acvloop from its ${launcher}, code ${code.commit}${code.dirty ? ' (dirty)' : ''}; load average ${load} on ${cpus().length} CPUs\n`);
    return rows.some((r) => r.agree === false) ? 1 : 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`bench:peers: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}

import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/error';

/** A subcommand's handler, loaded on first use: it takes commander's arguments and returns the exit code. */
type Handler = (...a: any[]) => Promise<number>;
/** Wraps a lazily loaded handler as a commander action that keeps its exit code. */
type Act = (load: () => Handler) => (...args: any[]) => Promise<void>;

interface OptionSpec { flags: string; about: string; default?: string | (() => string); required?: true }

/** One row of the command table: its name, help text, arguments, options, handler and subcommands. */
interface CommandSpec {
  name: string;
  about: string;
  args?: [name: string, about: string][];
  options?: OptionSpec[];
  /** A subcommand's options stay its own (`dispute resolve ID --by X` is resolve's --by, not dispute's). */
  positionalOptions?: true;
  run?: () => Handler;
  sub?: CommandSpec[];
  /** Subcommands that a module under commands/ adds itself. */
  extend?: (cmd: Command) => void;
}

/** A row that a module under commands/ registers whole. */
interface Mounted { mount: (program: Command, act: Act) => void }

const json: OptionSpec = { flags: '--json', about: 'print JSON' };
const runArg: [string, string] = ['<run>', 'run id'];

/**
 * Every subcommand of `acvloop`, in the order `acvloop --help` lists them.
 * Handlers load lazily (require, which tsx hooks), so `acvloop --help` does not load Temporal or pg.
 */
const COMMANDS: (CommandSpec | Mounted)[] = [
  { name: 'db', about: 'database administration', sub: [
    { name: 'migrate', about: 'apply the migrations in sql/ (idempotent), then set up the worker\'s and serve\'s roles with only the grants they need',
      options: [
        { flags: '--worker-role <name>', about: 'login role of the worker and the CLI (password: ACVLOOP_WORKER_PASSWORD); default <schema>_worker' },
        { flags: '--serve-role <name>', about: 'login role of acvloop serve (password: ACVLOOP_SERVE_PASSWORD); default <schema>_serve' },
        { flags: '--no-roles', about: 'only apply the migrations' },
        json,
      ],
      run: () => require('./commands/db').migrateCommand },
  ] },
  { name: 'generate', about: 'write a synthetic data drop (deterministic by seed) and its truth.json',
    options: [
      { flags: '--out <dir>', about: 'folder to write the drop into', required: true },
      { flags: '--seed <n>', about: 'random seed', default: '42' },
      { flags: '--accounts <n>', about: 'number of accounts', default: '2000' },
      { flags: '--months <n>', about: 'months of history', default: '36' },
      { flags: '--end <YYYY-MM>', about: 'last month of the drop', default: '2026-10' },
      { flags: '--experiments', about: 'also write experiments.csv: lift tests of the planted truth, with noise of their stated stderr' },
      { flags: '--drift', about: 'plant a drift in the last three months (bigger deals, a new lead source, a paid search spend jump, an upmarket move), recorded in truth.json' },
      { flags: '--shared-budget', about: 'hard world: every paid channel\'s spend is a fixed share of one monthly total (the series move together)' },
      { flags: '--demand-following', about: 'hard world: paid channels spend more in the high season' },
      { flags: '--long-carryover', about: 'hard world: adstock decay of at least 0.85' },
      { flags: '--saturated', about: 'hard world: current spend sits on the flat part of each response curve' },
      { flags: '--low-variation', about: 'hard world: spend barely varies (a fifth of the noise, no bursts, no pauses, no event months)' },
      { flags: '--harvest-last-touch', about: 'hard world: harvest channels take the last touch and the lead source of every journey; most of the causing channel\'s touches go unrecorded' },
      { flags: '--null-channel <channel>', about: 'hard world: this demand channel keeps its spend and touches but causes nothing' },
      { flags: '--lift-tests <channels>', about: 'write experiments.csv with lift tests of these paid channels (comma-separated)' },
      json,
    ],
    run: () => require('./commands/generate').generateCommand },
  { name: 'validate', about: 'check a drop against the data contracts without running a cycle; exit 0 when every row passes, 3 when the drop is valid but rows went to quarantine, 1 when it is rejected',
    options: [
      { flags: '--drop <dir>', about: 'the drop folder', required: true },
      { flags: '--max-error-rate <r>', about: 'reject a file when more than this share of its rows is quarantined' },
      json,
    ],
    run: () => require('./commands/validate').validateCommand },
  { name: 'worker', about: 'run a Temporal worker of the monthly cycle (temporal/worker.ts)',
    options: [
      { flags: '--max-heap <MB>', about: 'cap of the worker\'s heap (V8 old space), in MiB (default: ACVLOOP_WORKER_HEAP_MB, else 1536); read by bin/acvloop.js, which starts the worker with it' },
      { flags: '--role <role>', about: 'what this process polls for: workflows (the cycle\'s workflow tasks), activities (its stages) or all; without it, two processes start, one of each, so model work never delays a workflow task or a status query' },
      { flags: '--max-activities <n>', about: 'stages one process runs at once (default 1: a stage\'s memory is the worker\'s bound; add workers, not slots, to run more)' },
    ],
    run: () => require('./commands/worker').workerCommand },
  { name: 'run', about: 'start the monthly cycle for a month on a drop',
    options: [
      { flags: '--month <YYYY-MM>', about: 'the month the run is for', required: true },
      { flags: '--drop <dir>', about: 'the drop folder (readable by the workers)', required: true },
      // Read when the command line is built, from the environment of the call.
      { flags: '--requested-by <name>', about: 'who asks for the run', default: () => process.env.USER || 'unknown' },
      { flags: '--rerun', about: 'start a new version when this month and drop already ran' },
      { flags: '--wait', about: 'wait until the run reaches the approval gate or ends' },
      { flags: '--approval-timeout <duration>', about: 'how long the approval gate waits (e.g. 7d, 12h, 30m, 90s); default: the config\'s approvals.timeout (7d)' },
      { flags: '--config <file>', about: 'the acvloop config: reviewers and roles, approvals, gate and drift thresholds (default: ACVLOOP_CONFIG, else built-in defaults)' },
      { flags: '--policy <file>', about: 'the attribution policy (JSON) the run uses; default policies/attribution.json' },
      { flags: '--scope <key=value,…>', about: 'a pilot on a subset: region=R and segment=S (of each account\'s top parent), campaign=ID (repeatable; the touches of those campaigns), comma-separated; it publishes its own outputs and never moves the champion or the budget' },
      json,
    ],
    run: () => require('./commands/run').runCommand },
  { name: 'status', about: 'where a run is: its status and stages', args: [runArg], options: [json],
    run: () => require('./commands/status').statusCommand },
  { name: 'approve', about: 'approve a run waiting at the gate (a Temporal Update)', args: [runArg],
    options: [
      { flags: '--reviewer <name>', about: 'who decides', required: true },
      { flags: '--reason <text>', about: 'why' },
      { flags: '--promote-older', about: 'make this run champion even though it is older (by month) than the champion\'s run, e.g. a backfilled month (recorded with the decision)' },
      json,
    ],
    run: () => require('./commands/decide').approveCommand },
  { name: 'reject', about: 'reject a run waiting at the gate (a Temporal Update)', args: [runArg],
    options: [
      { flags: '--reviewer <name>', about: 'who decides', required: true },
      { flags: '--reason <text>', about: 'why (required)', required: true },
      json,
    ],
    run: () => require('./commands/decide').rejectCommand },
  { name: 'show', about: "a run's results, read from Postgres", args: [runArg], options: [json],
    run: () => require('./commands/show').showCommand },
  { name: 'dispute', about: "flag a misattribution: the opportunity's credit in the run, for the next review", positionalOptions: true, args: [runArg],
    // Checked by the command: commander would also require them of `dispute resolve`.
    options: [
      { flags: '--opportunity <id>', about: 'the opportunity whose credit is disputed (required)' },
      { flags: '--reason <text>', about: 'what is wrong with it (required)' },
      { flags: '--by <name>', about: 'who raises it (required: a dispute is on record under a name)' },
      json,
    ],
    run: () => require('./commands/dispute').disputeCommand,
    sub: [
      { name: 'resolve', about: 'close an open dispute (a resolution is recorded, the dispute is never changed)', args: [['<id>', 'dispute id']],
        options: [
          { flags: '--by <name>', about: 'who resolves it', required: true },
          { flags: '--note <text>', about: 'what was decided', required: true },
          json,
        ],
        run: () => require('./commands/dispute').resolveDisputeCommand },
    ] },
  { name: 'report', about: "the reviewer's page of a run as one self-contained HTML file (charts as SVG; opens offline, prints to PDF)", args: [runArg],
    options: [{ flags: '--out <file>', about: 'where to write the HTML', required: true }, json],
    run: () => require('./commands/report').reportCommand },
  { name: 'serve', about: "serve the run list and run pages, with sign-off on the page for the config's reviewers",
    options: [
      { flags: '--port <n>', about: 'port', default: '8080' },
      { flags: '--host <address>', about: 'address to listen on', default: '127.0.0.1' },
      { flags: '--config <file>', about: 'the acvloop config with the reviewers and their tokenSha256 (default: ACVLOOP_CONFIG)' },
      { flags: '--tls-cert <file>', about: 'serve https with this certificate (PEM; with --tls-key)' },
      { flags: '--tls-key <file>', about: 'the private key of --tls-cert (PEM)' },
    ],
    run: () => require('./commands/serve').serveCommand },
  { name: 'token', about: 'a new token for a reviewer of acvloop serve, and the sha256 to put in the config', args: [['<name>', 'the reviewer']], options: [json],
    run: () => require('./commands/serve').tokenCommand },
  { name: 'scores', about: 'one row per active contract: renewal probability, LTV and projected ARR', args: [runArg],
    options: [{ flags: '--csv', about: 'print CSV (the default)' }, json],
    run: () => require('./commands/scores').scoresCommand },
  { name: 'accounts', about: 'the accounts to pursue, by rank: win and expansion propensity, expected ACV, engagement, MQL, tier and drivers', args: [runArg],
    options: [
      { flags: '--csv', about: 'print CSV: account_id,rank,win_propensity,expected_new_acv,expansion_propensity,expected_expansion_acv,engagement_score,mql,tier,drivers' },
      json,
      { flags: '--top <n>', about: 'only the first N by rank' },
      { flags: '--tier <tier>', about: 'only the accounts of tier 1, 2 or 3' },
    ],
    run: () => require('./commands/accounts').accountsCommand },
  { name: 'whatif', about: 'pricing and term what-if: a scored contract (or a segment\'s active contracts) as scored and on another term, discount or list price: renewal probability, LTV P10/P50/P90, margin, projected ARR', args: [runArg],
    options: [
      { flags: '--contract <id>', about: 'the contract (one of --contract and --segment)' },
      { flags: '--segment <segment>', about: 'a cohort: the run\'s active contracts of accounts of this segment, totals before and after' },
      { flags: '--region <region>', about: 'narrow the --segment cohort to accounts of this region' },
      { flags: '--term <months>', about: 're-sign for 12, 24 or 36 months from the same start (the end date moves, renewals every term)' },
      { flags: '--discount <pct>', about: 'set the discount off list price, in percent (ACV = list price × (1 − discount))' },
      { flags: '--price <pct>', about: 'change the list price by this percent (10 raises it 10%, -5 lowers it 5%); cost to serve is held in dollars' },
      json,
    ],
    run: () => require('./commands/whatif').whatifCommand },
  { name: 'forecast', about: "new ACV over the next 3, 6 and 12 months under your spend plan, beside the run's as-is and recommended plans", args: [runArg],
    options: [
      { flags: '--spend <ch=USD,...>', about: 'monthly spend of some channels (the others stay as they are)' },
      { flags: '--scale <x>', about: 'multiply every channel\'s current monthly spend by x first' },
      json,
    ],
    run: () => require('./commands/forecast').forecastCommand },
  { name: 'lineage', about: "every output of a run traced back to the drop files by content hash, from the run's OpenLineage events", args: [runArg],
    options: [{ flags: '--check', about: 'exit 1 when some output (or table with rows of the run) does not lead back to the drop files' }, json],
    run: () => require('./commands/lineage').lineageCommand },
  { name: 'audit', about: 'the append-only audit log, oldest first, with the drop each entry concerns',
    options: [
      { flags: '--run <run>', about: 'only the entries of this run' },
      { flags: '--action <prefix>', about: 'only actions starting with this (e.g. alias. or run.approved)' },
      { flags: '--since <date>', about: 'only entries at or after this date (YYYY-MM-DD, UTC) or ISO date-time' },
      { flags: '--json', about: 'print JSON: every entry whole (the table rounds money and folds or cuts long changes and reasons)' },
    ],
    run: () => require('./commands/audit').auditCommand },
  { mount: (program, act) => require('./commands/models').modelsCommand(program, act) },
  { name: 'experiments', about: 'lift tests that calibrate the media-mix model', sub: [
    { name: 'plan', about: 'the next lift tests of a run, by value of information: design, holdout share, months, minimum detectable lift, expected interval',
      args: [runArg], options: [json], run: () => require('./commands/experiments').experimentsPlanCommand },
  ] },
  // Analyst commands: the models on the analyst's own files, no database or Temporal needed.
  { name: 'analyze', about: 'run a model on your own data, outside the cycle', extend: (analyze) => {
    require('./commands/analyze-attribution').analyzeAttributionCommand(analyze);
    require('./commands/analyze-survival').analyzeSurvivalCommand(analyze);
    require('./commands/analyze-retention').analyzeRetentionCommand(analyze);
  } },
  // Data contracts as documents (ODCS, JSON Schema) and their published versions.
  { mount: (program) => require('./commands/contracts').contractsCommand(program) },
  { name: 'demo', about: 'start an embedded Temporal and Postgres, generate a drop and run one cycle end to end',
    options: [
      { flags: '--accounts <n>', about: 'accounts in the synthetic world', default: '2000' },
      { flags: '--seed <n>', about: 'random seed', default: '42' },
      { flags: '--month <YYYY-MM>', about: 'the month to run', default: '2026-10' },
      { flags: '--dir <dir>', about: 'where the demo keeps its drop and outputs', default: '.acvloop/demo' },
    ],
    run: () => require('./commands/demo').demoCommand },
  { mount: (program) => require('./commands/schedule').scheduleCommand(program) },
  { name: 'config', about: 'the operator config file', sub: [
    { name: 'check', about: 'check a config file before deploying it: "ok", or every problem with its key (exit 2)',
      args: [['[file]', 'the config file (default: ACVLOOP_CONFIG)']], options: [json],
      run: () => require('./commands/config').configCheckCommand },
  ] },
];

/** Adds one row of the table (and its subcommands) under `parent`. */
function addCommand(parent: Command, spec: CommandSpec, act: Act): void {
  const cmd = parent.command(spec.name).description(spec.about);
  if (spec.positionalOptions) cmd.enablePositionalOptions();
  for (const [name, about] of spec.args ?? []) cmd.argument(name, about);
  for (const o of spec.options ?? []) {
    const value = typeof o.default === 'function' ? o.default() : o.default;
    if (o.required) cmd.requiredOption(o.flags, o.about, value);
    else cmd.option(o.flags, o.about, value);
  }
  if (spec.run) cmd.action(act(spec.run));
  for (const sub of spec.sub ?? []) addCommand(cmd, sub, act);
  spec.extend?.(cmd);
}

/** The exit code of an error out of commander or a command, after printing it as one line per problem on stderr. */
function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version exit 0; usage errors were already printed.
    return err.exitCode === 0 ? 0 : 2;
  }
  // A config file with mistakes: one line per problem, and its exit code (2, the caller's mistake).
  const lines = err instanceof ConfigError ? err.lines : [(err as Error).message ?? String(err)];
  for (const line of lines) process.stderr.write(`acvloop: ${line}\n`);
  if (process.env.ACVLOOP_DEBUG) process.stderr.write(String((err as Error).stack) + '\n');
  return err instanceof ConfigError ? err.exitCode : 1;
}

/**
 * The `acvloop` command. Each subcommand lives in `commands/` and returns
 * its exit code; errors print one line on stderr, never a stack trace.
 */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('acvloop')
    .description('Closes the loop between B2B marketing spend and the contract value it brings in.')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    // A subcommand's options stay its own (`dispute resolve ID --by X` is resolve's --by, not dispute's); acvloop itself has none.
    .enablePositionalOptions();

  const act: Act = (load) =>
    async (...args: any[]) => {
      const fn = load();
      exitCode = await fn(...args);
    };
  for (const entry of COMMANDS) {
    if ('mount' in entry) entry.mount(program, act);
    else addCommand(program, entry, act);
  }

  try {
    await program.parseAsync(argv);
  } catch (err) {
    return exitCodeOf(err);
  }
  return exitCode;
}

if (require.main === module) {
  main(process.argv).then((code) => { process.exitCode = code; });
}

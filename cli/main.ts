import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/error';

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

  // Commands load lazily (require, which tsx hooks), so `acvloop --help` does not load Temporal or pg.
  const act = (load: () => (...a: any[]) => Promise<number>) =>
    async (...args: any[]) => {
      const fn = load();
      exitCode = await fn(...args);
    };

  const db = program.command('db').description('database administration');
  db.command('migrate').description('apply the migrations in sql/ (idempotent), then set up the worker\'s and serve\'s roles with only the grants they need')
    .option('--worker-role <name>', 'login role of the worker and the CLI (password: ACVLOOP_WORKER_PASSWORD); default <schema>_worker')
    .option('--serve-role <name>', 'login role of acvloop serve (password: ACVLOOP_SERVE_PASSWORD); default <schema>_serve')
    .option('--no-roles', 'only apply the migrations')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/db').migrateCommand));

  program.command('generate').description('write a synthetic data drop (deterministic by seed) and its truth.json')
    .requiredOption('--out <dir>', 'folder to write the drop into')
    .option('--seed <n>', 'random seed', '42')
    .option('--accounts <n>', 'number of accounts', '2000')
    .option('--months <n>', 'months of history', '36')
    .option('--end <YYYY-MM>', 'last month of the drop', '2026-10')
    .option('--experiments', 'also write experiments.csv: lift tests of the planted truth, with noise of their stated stderr')
    .option('--drift', 'plant a drift in the last three months (bigger deals, a new lead source, a paid search spend jump, an upmarket move), recorded in truth.json')
    .option('--shared-budget', 'hard world: every paid channel\'s spend is a fixed share of one monthly total (the series move together)')
    .option('--demand-following', 'hard world: paid channels spend more in the high season')
    .option('--long-carryover', 'hard world: adstock decay of at least 0.85')
    .option('--saturated', 'hard world: current spend sits on the flat part of each response curve')
    .option('--low-variation', 'hard world: spend barely varies (a fifth of the noise, no bursts, no pauses, no event months)')
    .option('--harvest-last-touch', 'hard world: harvest channels take the last touch and the lead source of every journey; most of the causing channel\'s touches go unrecorded')
    .option('--null-channel <channel>', 'hard world: this demand channel keeps its spend and touches but causes nothing')
    .option('--lift-tests <channels>', 'write experiments.csv with lift tests of these paid channels (comma-separated)')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/generate').generateCommand));

  program.command('validate').description('check a drop against the data contracts without running a cycle; exit 0 when every row passes, 3 when the drop is valid but rows went to quarantine, 1 when it is rejected')
    .requiredOption('--drop <dir>', 'the drop folder')
    .option('--max-error-rate <r>', 'reject a file when more than this share of its rows is quarantined')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/validate').validateCommand));

  program.command('worker').description('run a Temporal worker of the monthly cycle (temporal/worker.ts)')
    .option('--max-heap <MB>', 'cap of the worker\'s heap (V8 old space), in MiB (default: ACVLOOP_WORKER_HEAP_MB, else 1536); read by bin/acvloop.js, which starts the worker with it')
    .action(act(() => require('./commands/worker').workerCommand));

  program.command('run').description('start the monthly cycle for a month on a drop')
    .requiredOption('--month <YYYY-MM>', 'the month the run is for')
    .requiredOption('--drop <dir>', 'the drop folder (readable by the workers)')
    .option('--requested-by <name>', 'who asks for the run', process.env.USER || 'unknown')
    .option('--rerun', 'start a new version when this month and drop already ran')
    .option('--wait', 'wait until the run reaches the approval gate or ends')
    .option('--approval-timeout <duration>', 'how long the approval gate waits (e.g. 7d, 12h, 30m, 90s); default: the config\'s approvals.timeout (7d)')
    .option('--config <file>', 'the acvloop config: reviewers and roles, approvals, gate and drift thresholds (default: ACVLOOP_CONFIG, else built-in defaults)')
    .option('--policy <file>', 'the attribution policy (JSON) the run uses; default policies/attribution.json')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/run').runCommand));

  program.command('status').description('where a run is: its status and stages')
    .argument('<run>', 'run id')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/status').statusCommand));

  program.command('approve').description('approve a run waiting at the gate (a Temporal Update)')
    .argument('<run>', 'run id')
    .requiredOption('--reviewer <name>', 'who decides')
    .option('--reason <text>', 'why')
    .option('--promote-older', 'make this run champion even though it is older (by month) than the champion\'s run, e.g. a backfilled month (recorded with the decision)')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/decide').approveCommand));

  program.command('reject').description('reject a run waiting at the gate (a Temporal Update)')
    .argument('<run>', 'run id')
    .requiredOption('--reviewer <name>', 'who decides')
    .requiredOption('--reason <text>', 'why (required)')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/decide').rejectCommand));

  program.command('show').description("a run's results, read from Postgres")
    .argument('<run>', 'run id')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/show').showCommand));

  const dispute = program.command('dispute').description("flag a misattribution: the opportunity's credit in the run, for the next review")
    .enablePositionalOptions()
    .argument('<run>', 'run id')
    // Checked by the command: commander would also require them of `dispute resolve`.
    .option('--opportunity <id>', 'the opportunity whose credit is disputed (required)')
    .option('--reason <text>', 'what is wrong with it (required)')
    .option('--by <name>', 'who raises it (required: a dispute is on record under a name)')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/dispute').disputeCommand));
  dispute.command('resolve').description('close an open dispute (a resolution is recorded, the dispute is never changed)')
    .argument('<id>', 'dispute id')
    .requiredOption('--by <name>', 'who resolves it')
    .requiredOption('--note <text>', 'what was decided')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/dispute').resolveDisputeCommand));

  program.command('report').description("the reviewer's page of a run as one self-contained HTML file (charts as SVG; opens offline, prints to PDF)")
    .argument('<run>', 'run id')
    .requiredOption('--out <file>', 'where to write the HTML')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/report').reportCommand));

  program.command('serve').description("serve the run list and run pages, with sign-off on the page for the config's reviewers")
    .option('--port <n>', 'port', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--config <file>', 'the acvloop config with the reviewers and their tokenSha256 (default: ACVLOOP_CONFIG)')
    .option('--tls-cert <file>', 'serve https with this certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .action(act(() => require('./commands/serve').serveCommand));

  program.command('token').description("a new token for a reviewer of acvloop serve, and the sha256 to put in the config")
    .argument('<name>', 'the reviewer')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/serve').tokenCommand));

  program.command('scores').description('one row per active contract: renewal probability, LTV and projected ARR')
    .argument('<run>', 'run id')
    .option('--csv', 'print CSV (the default)')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/scores').scoresCommand));

  program.command('forecast').description("new ACV over the next 3, 6 and 12 months under your spend plan, beside the run's as-is and recommended plans")
    .argument('<run>', 'run id')
    .option('--spend <ch=USD,...>', 'monthly spend of some channels (the others stay as they are)')
    .option('--scale <x>', 'multiply every channel\'s current monthly spend by x first')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/forecast').forecastCommand));

  program.command('lineage').description("every output of a run traced back to the drop files by content hash, from the run's OpenLineage events")
    .argument('<run>', 'run id')
    .option('--check', 'exit 1 when some output (or table with rows of the run) does not lead back to the drop files')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/lineage').lineageCommand));

  program.command('audit').description('the append-only audit log, oldest first, with the drop each entry concerns')
    .option('--run <run>', 'only the entries of this run')
    .option('--action <prefix>', 'only actions starting with this (e.g. alias. or run.approved)')
    .option('--since <date>', 'only entries at or after this date (YYYY-MM-DD, UTC) or ISO date-time')
    .option('--json', 'print JSON: every entry whole (the table rounds money and folds or cuts long changes and reasons)')
    .action(act(() => require('./commands/audit').auditCommand));

  require('./commands/models').modelsCommand(program, act);

  program.command('experiments').description('lift tests that calibrate the media-mix model')
    .command('plan').description('the next lift tests of a run, by value of information: design, holdout share, months, minimum detectable lift, expected interval')
    .argument('<run>', 'run id')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/experiments').experimentsPlanCommand));

  // Analyst commands: the models on the analyst's own files, no database or Temporal needed.
  const analyze = program.command('analyze').description('run a model on your own data, outside the cycle');
  require('./commands/analyze-attribution').analyzeAttributionCommand(analyze);
  require('./commands/analyze-survival').analyzeSurvivalCommand(analyze);
  require('./commands/analyze-retention').analyzeRetentionCommand(analyze);

  // Data contracts as documents (ODCS, JSON Schema) and their published versions.
  require('./commands/contracts').contractsCommand(program);

  program.command('demo').description('start an embedded Temporal and Postgres, generate a drop and run one cycle end to end')
    .option('--accounts <n>', 'accounts in the synthetic world', '2000')
    .option('--seed <n>', 'random seed', '42')
    .option('--month <YYYY-MM>', 'the month to run', '2026-10')
    .option('--dir <dir>', 'where the demo keeps its drop and outputs', '.acvloop/demo')
    .action(act(() => require('./commands/demo').demoCommand));

  require('./commands/schedule').scheduleCommand(program);

  program.command('config').description('the operator config file')
    .command('check').description('check a config file before deploying it: "ok", or every problem with its key (exit 2)')
    .argument('[file]', 'the config file (default: ACVLOOP_CONFIG)')
    .option('--json', 'print JSON')
    .action(act(() => require('./commands/config').configCheckCommand));

  try {
    await program.parseAsync(argv);
  } catch (err) {
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
  return exitCode;
}

if (require.main === module) {
  main(process.argv).then((code) => { process.exitCode = code; });
}

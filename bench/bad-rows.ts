/**
 * Bad rows at scale (issue 15): a drop with planted bad rows goes through
 * the cycle's ingest and validate stages on a real worker, and the bench
 * checks that every planted row is in the batch's quarantine with its line,
 * that every other quarantined line is explained by them, and that the
 * worker's activities process stayed within its heap cap (peak RSS ≤ the
 * cap). See bench/README.md.
 *
 *   npm run -s bench:bad-rows -- [--accounts N | --drop DIR] [--months N] [--seed N]
 *                                [--rate 0.05] [--referenced-rate 0.03] [--bound-mib 1536] [--keep]
 *
 * The drop is generated (generator/index.ts) or taken from --drop; a copy
 * with the bad rows planted (bench/plant-bad-rows.ts) is what the run reads.
 * The run stops once validate has completed or failed: it is terminated
 * there, the later stages are not measured. JSON on stdout, progress on
 * stderr; exit 1 when a planted row is not in the quarantine, a quarantined
 * line is unexplained, the drop was rejected, or the bound was exceeded.
 *
 * DATABASE_URL / TEMPORAL_ADDRESS use running servers; otherwise it starts an
 * embedded Postgres and a Temporal dev server, and stops them at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { generateDrop } from '../generator';
import { dropFilesIn, hashDrop } from '../contracts/drop-hash';
import { stopProcess } from '../cli/infra/process';
import { parsePositiveInt } from '../cli/parse';
import { connectClient, runState, startCycle } from '../temporal/client';
import { explainQuarantine } from './explain-quarantine';
import { benchSchema, codeUnderTest, runBench, sampleMemory, stageSeconds, startServers, startWorker, Teardown } from './harness';
import { plantBadRows } from './plant-bad-rows';

const MONTH = '2026-10';
/**
 * The bound of issue 15: the activities process's peak RSS within the
 * worker's heap cap, 1.5 GiB (the old generation `acvloop worker` gives each
 * process by default, cli/infra/worker-heap.js; V8's reported heap limit adds
 * the young generation on top).
 */
const HEAP_CAP_MIB = 1536;
/** Give up on a run whose validate stage has not ended after this long: 30 minutes per 300k accounts, at least 30. */
const validateTimeoutMs = (accounts: number) => 30 * 60_000 * Math.max(1, accounts / 300_000);

const log = (m: string) => process.stderr.write(`bench:bad-rows: ${m}\n`);
const secs = (ms: number) => Math.round(ms) / 1000;
const r1 = (x: number) => Math.round(x * 10) / 10;
const share = (part: number, whole: number) => (whole ? Math.round((part / whole) * 10_000) / 10_000 : 0);

const teardown = new Teardown(log);

function options() {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '20000' },
      drop: { type: 'string' },
      months: { type: 'string', default: '36' },
      seed: { type: 'string', default: '42' },
      rate: { type: 'string', default: '0.05' },
      'referenced-rate': { type: 'string', default: '0.03' },
      'bound-mib': { type: 'string', default: String(HEAP_CAP_MIB) },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const fraction = (text: string, flag: string) => {
    const x = Number(text);
    if (!(x >= 0 && x <= 1)) throw new Error(`${flag} takes a share between 0 and 1, not "${text}"`);
    return x;
  };
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed takes a whole number, not "${values.seed}"`);
  return {
    accounts: parsePositiveInt(values.accounts!, '--accounts'),
    drop: values.drop ? path.resolve(values.drop) : null,
    months: parsePositiveInt(values.months!, '--months'),
    seed,
    rate: fraction(values.rate!, '--rate'),
    referencedRate: fraction(values['referenced-rate']!, '--referenced-rate'),
    boundMiB: parsePositiveInt(values['bound-mib']!, '--bound-mib'),
    keep: values.keep!,
  };
}

async function main(): Promise<number> {
  const opts = options();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-bad-rows-'));
  const removeTmp = () => fs.rmSync(opts.keep ? path.join(tmp, 'postgres') : tmp, { recursive: true, force: true });
  teardown.atExit(removeTmp);
  teardown.push('temp folder', async () => {
    removeTmp();
    if (opts.keep) log(`kept the drops in ${tmp}`);
  });

  // 1. The drop: generated, or the one given.
  let dropDir = opts.drop;
  let generateSeconds: number | null = null;
  if (!dropDir) {
    dropDir = path.join(tmp, 'drop');
    log(`generating ${opts.accounts} accounts × ${opts.months} months (seed ${opts.seed}) in ${dropDir}`);
    const t = Date.now();
    await generateDrop({ outDir: dropDir, seed: opts.seed, accounts: opts.accounts, months: opts.months, end: MONTH });
    generateSeconds = secs(Date.now() - t);
  }
  const dropBytes = dropFilesIn(dropDir).reduce((n, f) => n + fs.statSync(path.join(dropDir!, f)).size, 0);
  log(`drop ${dropDir}: ${dropBytes} bytes (${r1(dropBytes / 2 ** 20)} MiB)${generateSeconds === null ? '' : `, generated in ${generateSeconds} s`}`);

  // 2. The copy with bad rows planted.
  const badDir = path.join(tmp, 'bad-drop');
  let t = Date.now();
  const planted = await plantBadRows(dropDir, badDir, { rate: opts.rate, referencedRate: opts.referencedRate, seed: opts.seed });
  const plantSeconds = secs(Date.now() - t);
  const rows = planted.files.reduce((n, f) => n + f.rows, 0);
  const plantedRows = planted.files.reduce((n, f) => n + f.count, 0);
  log(`planted ${plantedRows} bad rows of ${rows} (${(share(plantedRows, rows) * 100).toFixed(2)}%) in ${plantSeconds} s: ` +
    planted.files.map((f) => `${f.count} in ${f.file}`).join(', '));
  const drop = await hashDrop(badDir);

  // 3. Servers, a fresh schema and task queue, and the worker in its own process with its memory sampled.
  const { url, address, namespace } = await startServers(teardown, log, path.join(tmp, 'postgres'));
  const { schema, taskQueue, db } = benchSchema(teardown, url);
  const worker = await startWorker({
    DATABASE_URL: url, ACVLOOP_SCHEMA: schema, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, ACVLOOP_TASK_QUEUE: taskQueue,
  });
  teardown.killAtExit(worker.child);
  const mem = sampleMemory(worker.pids);
  teardown.push('worker', async () => { mem.stop(); await stopProcess(worker.child); });
  // The process that runs ingest and validate: the activities one, or the only one (--role all).
  const activitiesPid = worker.pids[worker.roles.indexOf('activities')] ?? worker.pids[worker.roles.indexOf('all')];
  log(`worker pids ${worker.pids.join(', ')} (${worker.roles.join(' + ')}; heap limit ${worker.heapLimitMiB} MiB each, schema ${schema})`);
  const code = codeUnderTest();

  // 4. The cycle, until validate has ended; then the run is terminated.
  const client = await connectClient({ address, namespace });
  teardown.push('Temporal client', () => client.connection.close());
  const { runId } = await startCycle(client, {
    month: MONTH, dropPath: badDir, dropSha256: drop.sha256, requestedBy: 'bench:bad-rows', approvalTimeoutMs: 30 * 86_400_000,
  }, { rerun: true, taskQueue });
  log(`run ${runId} started`);
  const t0 = Date.now();
  let ended: { validate: string; run: string; error: string | null };
  for (const seen = new Set<string>(); ;) {
    if (worker.exited()) throw new Error(`the worker exited (${worker.exited()}) during the run: ${worker.stderrTail()}`);
    if (Date.now() - t0 > validateTimeoutMs(opts.accounts)) throw new Error(`validate of run ${runId} did not end within ${Math.round(validateTimeoutMs(opts.accounts) / 60_000)} minutes`);
    const state = await runState(client, runId);
    for (const s of state.stages) {
      if ((s.status === 'completed' || s.status === 'failed') && !seen.has(s.name)) {
        seen.add(s.name);
        log(`  ${s.status === 'completed' ? '✓' : '✗'} ${s.name} (worker RSS ${r1(mem.currentMiB())} MiB)`);
      }
    }
    const validate = state.stages.find((s) => s.name === 'validate')?.status;
    if (validate === 'completed' || validate === 'failed' || state.status !== 'running') {
      ended = { validate: validate ?? 'not run', run: state.status, error: state.error ?? null };
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // Read before anything else runs: VmHWM is each process's peak since it started.
  const peakByPid = mem.highWaterByPid();
  const peakBothMiB = r1(Math.max(mem.highWaterMiB(), mem.peakSampledMiB()));
  mem.stop();
  if (ended.run === 'running') await client.workflow.getHandle(runId).terminate('bench:bad-rows measures ingest and validate only');
  const activitiesPeakMiB = peakByPid[activitiesPid] ?? null;
  const boundHeld = activitiesPeakMiB !== null && activitiesPeakMiB <= opts.boundMiB;

  // 5. What the database recorded, and the quarantine against what was planted.
  const stages = await stageSeconds(db, runId);
  const batchId = (await sql<{ batch_id: string }>`select batch_id from run_batches where run_id = ${runId}`.execute(db.db)).rows[0]?.batch_id;
  const report = batchId
    ? (await sql<{ ok: boolean; errors: string[] }>`select ok, errors from validation_reports where batch_id = ${batchId}`.execute(db.db)).rows[0]
    : undefined;
  const verdicts = batchId && report?.ok ? await explainQuarantine(url, schema, batchId, planted.files) : null;
  const total = (k: 'quarantined' | 'byReference' | 'byFx' | 'missing' | 'unexplained') => verdicts?.reduce((n, v) => n + v[k], 0) ?? null;
  const missing = total('missing');
  const unexplained = total('unexplained');

  const result = {
    drop: { dir: opts.drop, bytes: dropBytes, mib: r1(dropBytes / 2 ** 20), accounts: opts.drop ? null : opts.accounts, generateSeconds },
    plant: {
      seed: opts.seed, rate: opts.rate, referencedRate: opts.referencedRate, seconds: plantSeconds,
      rows, planted: plantedRows, plantedShare: share(plantedRows, rows),
    },
    run: { runId, batchId: batchId ?? null, validate: ended.validate, statusWhenValidateEnded: ended.run, terminated: ended.run === 'running', error: ended.error },
    validation: report ? { ok: report.ok, errors: report.errors } : null,
    files: Object.fromEntries(planted.files.map((f) => {
      const v = verdicts?.find((x) => x.file === f.file);
      return [f.file, {
        rows: f.rows, planted: f.count, plantedByKind: f.byKind,
        quarantined: v?.quarantined ?? null, byReference: v?.byReference ?? null, byFx: v?.byFx ?? null,
        missing: v?.missing ?? null, unexplained: v?.unexplained ?? null,
        ...(v && (v.examples.missing.length || v.examples.unexplained.length) ? { examples: v.examples } : {}),
      }];
    })),
    quarantined: total('quarantined'),
    quarantinedShare: verdicts ? share(total('quarantined')!, rows) : null,
    byReference: total('byReference'),
    byFx: total('byFx'),
    missing,
    unexplained,
    seconds: { ingest: stages.ingest ?? null, validate: stages.validate ?? null },
    memory: {
      activitiesPeakRssMiB: activitiesPeakMiB, bothPeakRssMiB: peakBothMiB, peakRssMiBByProcess: peakByPid,
      roles: worker.roles, heapCapMiB: opts.boundMiB, v8HeapLimitMiB: worker.heapLimitMiB, boundHeld,
    },
    machine: { cpus: os.cpus().length, memMiB: Math.round(os.totalmem() / 2 ** 20), loadavg1: r1(os.loadavg()[0]) },
    code,
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');

  const problems: string[] = [];
  if (!report) problems.push(`validate recorded no verdict (run ${ended.run}${ended.error ? `: ${ended.error}` : ''})`);
  else if (!report.ok) problems.push(`the drop was rejected, so its quarantine was rolled back: ${report.errors.join('; ')} (lower --referenced-rate)`);
  if (missing) problems.push(`${missing} planted rows are not in the quarantine`);
  if (unexplained) problems.push(`${unexplained} quarantined lines are neither planted nor explained by them`);
  if (!boundHeld) problems.push(`the activities process peaked at ${activitiesPeakMiB} MiB RSS, over its ${opts.boundMiB} MiB cap`);
  log(`${r1(dropBytes / 2 ** 20)} MiB drop, ${plantedRows} planted of ${rows} rows, ${total('quarantined') ?? '—'} quarantined ` +
    `(${total('byReference') ?? '—'} by reference, ${total('byFx') ?? '—'} by FX); ingest ${stages.ingest ?? '—'} s, validate ${stages.validate ?? '—'} s; ` +
    `activities peak RSS ${activitiesPeakMiB} MiB of ${opts.boundMiB} MiB: ${problems.length ? `FAILED: ${problems.join('; ')}` : 'all planted rows quarantined, within the bound'}`);
  return problems.length ? 1 : 0;
}

runBench(teardown, log, main);

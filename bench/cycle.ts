/**
 * Benchmark of one monthly cycle at scale: generates a world (timed on its
 * own), starts `acvloop worker` as a separate process so its memory is
 * measured alone, runs the cycle up to the approval gate and prints what it
 * measured as JSON on stdout (a summary line and a per-stage table on
 * stderr). Once the run waits at the gate, it COPYs the same drop files into
 * a scratch schema, so each stage's time reads against what Postgres takes
 * just to load them (`ratioToCopy`). See bench/README.md.
 *
 *   npm run bench -- [--accounts N] [--months N] [--seed N] [--keep]
 *
 * DATABASE_URL / TEMPORAL_ADDRESS use running servers; otherwise it starts an
 * embedded Postgres and a Temporal dev server, and stops them at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { sql } from 'kysely';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { generateDrop } from '../generator';
import { dropFilesIn, hashDrop } from '../contracts/drop-hash';
import type { Db } from '../sql/db';
import { stopProcess } from '../cli/infra/process';
import { connectClient, runState, startCycle } from '../temporal/client';
import { parsePositiveInt } from '../cli/parse';
import { benchSchema, codeUnderTest, runBench, sampleMemory, stageSeconds, startServers, startWorker, Teardown } from './harness';
const MONTH = '2026-10';
const TARGETS = { startToGateSeconds: 60, peakRssMiB: 2048 };
/** Give up on a cycle that has not reached the gate after this long: 30 minutes, more for worlds over 300k accounts. */
const gateTimeoutMs = (accounts: number) => 30 * 60_000 * Math.max(1, accounts / 300_000);

const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
const secs = (ms: number) => Math.round(ms) / 1000;
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

const teardown = new Teardown(log);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '100000' },
      months: { type: 'string', default: '36' },
      seed: { type: 'string', default: '42' },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const accounts = parsePositiveInt(values.accounts!, '--accounts');
  const months = parsePositiveInt(values.months!, '--months');
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed takes a whole number, not "${values.seed}"`);
  const loadAtStart = os.loadavg();
  Runtime.install({ logger: new DefaultLogger('WARN') });

  // One folder for the drop (and the embedded Postgres's data, kept elsewhere as root: see postgresHome).
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-bench-'));
  const dropDir = path.join(tmp, 'drop');
  const removeTmp = () => fs.rmSync(values.keep ? path.join(tmp, 'postgres') : tmp, { recursive: true, force: true });
  teardown.atExit(removeTmp);
  teardown.push('temp folder', async () => {
    removeTmp();
    if (values.keep) log(`kept the drop in ${dropDir}`);
  });

  // 1. The world, timed apart from the cycle.
  log(`generating ${accounts} accounts × ${months} months (seed ${seed}) in ${dropDir}`);
  let t = Date.now();
  const gen = await generateDrop({ outDir: dropDir, seed, accounts, months, end: MONTH });
  const generateSeconds = secs(Date.now() - t);
  t = Date.now();
  const drop = await hashDrop(dropDir);
  const hashSeconds = secs(Date.now() - t);
  const world = {
    accounts,
    touchpoints: gen.rows.touchpoints ?? 0,
    opportunities: gen.rows.opportunities ?? 0,
    contracts: gen.rows.contracts ?? 0,
    rows: Object.values(gen.rows).reduce((a, b) => a + b, 0),
    generateSeconds,
    hashSeconds,
  };
  log(`generated ${world.rows} rows in ${generateSeconds} s (${Object.entries(gen.rows).map(([k, v]) => `${v} ${k}`).join(', ')})`);

  // Servers: the given ones, or embedded ones started (and stopped) here.
  const { url, address, namespace } = await startServers(teardown, log, path.join(tmp, 'postgres'));
  const { suffix, schema, taskQueue, db } = benchSchema(teardown, url);
  const copySchema = `bench_copy_${suffix}`;
  // The COPY reference's scratch tables (made after the gate), dropped before the connection closes.
  teardown.push(`schema ${copySchema}`, async () => { await sql`drop schema if exists ${sql.id(copySchema)} cascade`.execute(db.db); });

  // 2. The worker, in its own process, with its memory sampled.
  const worker = await startWorker({
    DATABASE_URL: url, ACVLOOP_SCHEMA: schema, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, ACVLOOP_TASK_QUEUE: taskQueue,
  });
  teardown.killAtExit(worker.child);
  const mem = sampleMemory(worker.pids);
  teardown.push('worker', async () => { mem.stop(); await stopProcess(worker.child); });
  log(`worker pids ${worker.pids.join(', ')} ready (${worker.roles.join(' + ')}; heap limit ${worker.heapLimitMiB} MiB each, schema ${schema}, task queue ${taskQueue}, ${r1(mem.currentMiB())} MiB RSS idle)`);
  const idleRssMiB = mem.currentMiB();
  const code = codeUnderTest();

  // 3. The cycle, from start to the approval gate.
  const client = await connectClient({ address, namespace });
  teardown.push('Temporal client', () => client.connection.close());
  const t0 = Date.now();
  const { runId } = await startCycle(client, {
    month: MONTH, dropPath: dropDir, dropSha256: drop.sha256, requestedBy: 'bench', approvalTimeoutMs: 30 * 86_400_000,
  }, { rerun: true, taskQueue });
  log(`run ${runId} started`);
  const seen = new Set<string>();
  // Worker CPU per stage: the CPU it used between one stage's completion being seen and the next (±0.2 s).
  const workerCpu: Record<string, number> = {};
  let cpuMark = mem.cpuSeconds();
  const cpuAtStart = cpuMark;
  for (;;) {
    if (worker.exited()) throw new Error(`the worker exited (${worker.exited()}) before the gate: ${worker.stderrTail()}`);
    if (Date.now() - t0 > gateTimeoutMs(accounts)) throw new Error(`run ${runId} did not reach the gate within ${Math.round(gateTimeoutMs(accounts) / 60_000)} minutes`);
    const state = await runState(client, runId);
    for (const s of state.stages) {
      if ((s.status === 'completed' || s.status === 'failed') && !seen.has(s.name)) {
        seen.add(s.name);
        const ms = s.startedAt && s.finishedAt ? Date.parse(s.finishedAt) - Date.parse(s.startedAt) : NaN;
        const cpu = mem.cpuSeconds();
        workerCpu[s.name] = r1(cpu - cpuMark);
        cpuMark = cpu;
        log(`  ${s.status === 'completed' ? '✓' : '✗'} ${s.name.padEnd(9)} ${(ms / 1000).toFixed(1)} s  ` +
          `(worker RSS ${r1(mem.currentMiB())} MiB, CPU ${workerCpu[s.name]} s)`);
      }
    }
    if (state.status === 'awaiting_approval') break;
    if (state.status !== 'running') throw new Error(`run ${runId} ended ${state.status}${state.error ? `: ${state.error}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const startToGateSeconds = secs(Date.now() - t0);
  const loadAtGate = os.loadavg();
  const hwmMiB = mem.highWaterMiB();
  const cpuToGate = r1(mem.cpuSeconds() - cpuAtStart);
  mem.stop();
  const workflowTasks = await workflowTaskSeconds(client, runId);

  // 4. The physical reference, now that the worker is idle: COPY of the same files, nothing else.
  log(`COPY reference: the drop's files into scratch schema ${copySchema}`);
  // A reference that cannot be taken leaves the run's own figures standing.
  const copy = await copyReference(url, dropDir, copySchema)
    .catch((err: Error): CopyReference => ({ seconds: null, rows: 0, rowsPerSecond: null, byFile: {}, error: err.message }));
  log(`COPY of the drop: ${copy.seconds ?? '—'} s for ${copy.rows} rows (${copy.rowsPerSecond ?? '—'} rows/s)`);

  // 5. What the database recorded.
  const stages = await stageSeconds(db, runId);
  const ingestRows = Number((await sql<{ n: string }>`
    select coalesce(sum(f.rows_read), 0) as n from ingest_files f join run_batches b on b.batch_id = f.batch_id where b.run_id = ${runId}
  `.execute(db.db)).rows[0].n);
  const validateSummary = (await sql<{ summary: { rowsRead?: number } | null }>`
    select summary from run_stage_events where run_id = ${runId} and stage = 'validate' and status = 'completed' order by attempt desc limit 1
  `.execute(db.db)).rows[0]?.summary;
  const validateRows = validateSummary?.rowsRead ?? ingestRows;
  const peakRssMiB = r1(Math.max(hwmMiB, mem.peakSampledMiB()));
  const rowsRead = await stageRows(db, runId, ingestRows, validateRows);
  const byStage = Object.fromEntries(Object.entries(stages).map(([name, seconds]) => {
    const rows = rowsRead[name] ?? 0;
    return [name, {
      seconds,
      workerCpuSeconds: workerCpu[name] ?? null,
      rows,
      rowsPerSecond: rows && seconds ? Math.round(rows / seconds) : null,
      ratioToCopy: copy.seconds ? r2(seconds / copy.seconds) : null,
    }];
  }));
  const result = {
    world,
    stages,
    startToGateSeconds,
    ingest: { rows: ingestRows, rowsPerSecond: stages.ingest ? Math.round(ingestRows / stages.ingest) : null },
    validate: { rows: validateRows, rowsPerSecond: stages.validate ? Math.round(validateRows / stages.validate) : null },
    worker: {
      roles: worker.roles, peakRssMiB, sampledPeakRssMiB: r1(mem.peakSampledMiB()), peakRssMiBByProcess: mem.highWaterByPid(),
      idleRssMiB: r1(idleRssMiB), heapLimitMiB: worker.heapLimitMiB, cpuSecondsByStage: workerCpu,
      cpuSecondsToGate: cpuToGate,
    },
    workflowTasks,
    byStage,
    copy,
    startToGateRatioToCopy: copy.seconds ? r2(startToGateSeconds / copy.seconds) : null,
    historyEvents: workflowTasks.historyEvents,
    targets: TARGETS,
    meetsTargets: startToGateSeconds <= TARGETS.startToGateSeconds && peakRssMiB <= TARGETS.peakRssMiB,
    machine: {
      cpus: os.cpus().length,
      memMiB: Math.round(os.totalmem() / 2 ** 20),
      loadavg1AtStart: r1(loadAtStart[0]),
      loadavg1AtGate: r1(loadAtGate[0]),
    },
    code,
    runId,
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  log(`${accounts} accounts (${world.rows} rows, generated in ${generateSeconds} s): start→gate ${startToGateSeconds} s ` +
    `(target ${TARGETS.startToGateSeconds}), worker peak RSS ${peakRssMiB} MiB (target ${TARGETS.peakRssMiB}), ` +
    `longest workflow task ${workflowTasks.longestSeconds} s of ${workflowTasks.count}, history ${workflowTasks.historyEvents} events, ` +
    `ingest ${result.ingest.rowsPerSecond} rows/s, validate ${result.validate.rowsPerSecond} rows/s: ` +
    `${result.meetsTargets ? 'meets the targets' : 'MISSES the targets'} (load ${r1(loadAtStart[0])} → ${r1(loadAtGate[0])} on ${os.cpus().length} CPUs)`);
  process.stderr.write(stageTable(byStage, copy, { startToGateSeconds, workerCpuSeconds: cpuToGate, historyEvents: workflowTasks.historyEvents }));
  return 0;
}

/** What `COPY` alone takes for the drop's files: `seconds` and `rowsPerSecond` over all of them (null if one failed). */
interface CopyReference {
  seconds: number | null;
  rows: number;
  rowsPerSecond: number | null;
  byFile: Record<string, { seconds: number; rows: number; bytes: number } | { error: string }>;
  /** Why there is no reference at all (e.g. the scratch schema could not be made). */
  error?: string;
}

/**
 * COPYs each drop file, as it lies in the folder (a `.gz` one through a
 * gunzip stream, as ingest reads it), into a table of text columns in
 * `schema`: the least Postgres can do with these bytes, the unit each
 * stage's time is read in. Timed per file from opening it to Postgres's
 * reply; the tables are made before the clock starts. The caller drops the
 * schema.
 */
async function copyReference(url: string, dropDir: string, schema: string): Promise<CopyReference> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const byFile: CopyReference['byFile'] = {};
  let ms = 0;
  let rows = 0;
  let failed = false;
  try {
    await client.query(`create schema if not exists ${q(schema)}`);
    for (const name of dropFilesIn(dropDir)) {
      const file = path.join(dropDir, name);
      const table = `${q(schema)}.${q(name.replace(/\.csv(\.gz)?$/, ''))}`;
      try {
        const columns = await headerColumns(file);
        await client.query(`create table ${table} (${Array.from({ length: columns }, (_, i) => `c${i + 1} text`).join(', ')})`);
        const t = performance.now();
        const copy = client.query(copyFrom(`copy ${table} from stdin with (format csv, header true)`));
        const source = fs.createReadStream(file, { highWaterMark: 1 << 20 });
        await (name.endsWith('.gz') ? pipeline(source, zlib.createGunzip(), copy) : pipeline(source, copy));
        const took = performance.now() - t;
        byFile[name] = { seconds: secs(took), rows: copy.rowCount, bytes: fs.statSync(file).size };
        ms += took;
        rows += copy.rowCount;
        log(`  COPY ${name}: ${copy.rowCount} rows in ${secs(took)} s`);
      } catch (err) {
        failed = true;
        byFile[name] = { error: (err as Error).message };
        log(`  COPY ${name} failed: ${(err as Error).message}`);
      }
    }
  } finally {
    await client.end();
  }
  const seconds = failed || ms === 0 ? null : secs(ms);
  return { seconds, rows, rowsPerSecond: seconds ? Math.round(rows / seconds) : null, byFile };
}

/** How many columns a CSV file's header names (its first line, through gunzip for `.gz`). */
async function headerColumns(file: string): Promise<number> {
  const source = fs.createReadStream(file, { highWaterMark: 1 << 16 });
  const text = file.endsWith('.gz') ? source.pipe(zlib.createGunzip()) : source;
  let head = '';
  try {
    for await (const chunk of text) {
      head += (chunk as Buffer).toString('utf8');
      const nl = head.indexOf('\n');
      if (nl >= 0) {
        head = head.slice(0, nl);
        break;
      }
    }
  } finally {
    source.destroy();
  }
  const header = (parseCsv(head.replace(/\r$/, ''), { bom: true }) as string[][])[0];
  if (!header?.length) throw new Error(`${path.basename(file)} has no header line`);
  return header.length;
}

/**
 * The drop rows each stage reads: ingest and validate read every row of the
 * drop (ingest what it landed, validate its own `rowsRead`); every later
 * stage, the rows of each source table (`src_<file>`) it names among the
 * inputs of its lineage COMPLETE event, counted as the drop has them
 * (`ingest_files.rows_read`). A stage that reads no source table (lineage,
 * gate, approval) reads 0 drop rows.
 */
async function stageRows(db: Db, runId: string, ingestRows: number, validateRows: number): Promise<Record<string, number>> {
  const files = (await sql<{ file: string; rows_read: number }>`
    select f.file, f.rows_read from ingest_files f join run_batches b on b.batch_id = f.batch_id where b.run_id = ${runId}
  `.execute(db.db)).rows;
  const rowsOfTable = new Map(files.map((f) => [`src_${f.file.replace(/\.csv(\.gz)?$/, '')}`, Number(f.rows_read)]));
  const events = (await sql<{ job: string; event: { inputs?: { namespace?: string; name?: string }[] } | string }>`
    select job, event from lineage_events where run_id = ${runId} and event_type = 'COMPLETE' order by attempt
  `.execute(db.db)).rows;
  const out: Record<string, number> = {};
  for (const { job, event } of events) {
    const inputs: { namespace?: string; name?: string }[] = (typeof event === 'string' ? JSON.parse(event) : event).inputs ?? [];
    // The last attempt's event wins; a table named twice counts once.
    const tables = new Set(inputs.filter((d) => d.namespace?.startsWith('postgres')).map((d) => String(d.name).split('.').pop()!));
    out[job] = [...tables].reduce((n, t) => n + (rowsOfTable.get(t) ?? 0), 0);
  }
  out.ingest = ingestRows;
  out.validate = validateRows;
  return out;
}

type StageLine = { seconds: number; workerCpuSeconds: number | null; rows: number; rowsPerSecond: number | null; ratioToCopy: number | null };

/** The per-stage figures as a markdown table, with the COPY reference and start → gate below them. */
function stageTable(
  byStage: Record<string, StageLine>, copy: CopyReference,
  run: { startToGateSeconds: number; workerCpuSeconds: number; historyEvents: number },
): string {
  const n = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toLocaleString('en-US'));
  const ratio = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)}×`);
  const lines = [
    '| stage | wall s | worker CPU s | rows read | rows/s | ÷ COPY |',
    '|---|---:|---:|---:|---:|---:|',
    ...Object.entries(byStage).map(([name, s]) =>
      `| ${name} | ${s.seconds.toFixed(1)} | ${n(s.workerCpuSeconds)} | ${n(s.rows)} | ${n(s.rowsPerSecond)} | ${ratio(s.ratioToCopy)} |`),
    `| COPY of the drop | ${copy.seconds === null ? '—' : copy.seconds.toFixed(1)} | — | ${n(copy.rows)} | ${n(copy.rowsPerSecond)} | ${copy.seconds === null ? '—' : '1.00×'} |`,
    `| **start → gate** | ${run.startToGateSeconds.toFixed(1)} | ${run.workerCpuSeconds} | | | ` +
      `${ratio(copy.seconds ? r2(run.startToGateSeconds / copy.seconds) : null)} |`,
  ];
  return `\n${lines.join('\n')}\n\nrun history: ${run.historyEvents} events (Temporal warns at 10,240 and ends a run at 51,200)\n`;
}

/**
 * How long the run's workflow tasks took, from its history: each
 * WorkflowTaskStarted to its WorkflowTaskCompleted (server times). Issue 15
 * asks for none over 1 s: model work must not hold up the workflow thread.
 */
async function workflowTaskSeconds(client: Awaited<ReturnType<typeof connectClient>>, runId: string) {
  const history = await client.workflow.getHandle(runId).fetchHistory();
  const events = history.events ?? [];
  const ms = (t: unknown) => {
    const ts = t as { seconds?: { toNumber?: () => number } | number; nanos?: number } | null | undefined;
    if (!ts) return NaN;
    const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds?.toNumber?.() ?? Number(ts.seconds);
    return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
  };
  const started = new Map<number, number>();
  const took: number[] = [];
  for (const e of events) {
    if (e.workflowTaskStartedEventAttributes) started.set(Number(e.eventId), ms(e.eventTime));
    const done = e.workflowTaskCompletedEventAttributes;
    if (done) took.push(ms(e.eventTime) - (started.get(Number(done.startedEventId)) ?? NaN));
  }
  const valid = took.filter(Number.isFinite);
  return { count: valid.length, longestSeconds: secs(Math.max(0, ...valid)), overOneSecond: valid.filter((t) => t > 1000).length, historyEvents: events.length };
}

runBench(teardown, log, main);

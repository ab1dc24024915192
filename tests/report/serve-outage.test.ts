import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freePort, startEmbeddedPostgres, type EmbeddedPg } from '../../cli/infra/postgres';
import { tokenSha256 } from '../../config/schema';
import { ROOT } from '../helpers/cli';

/**
 * `acvloop serve` as its own process over a Postgres of its own: the
 * database stops under it and comes back, and serve answers a 503 that says
 * so meanwhile, then the page again, without being restarted and without
 * exiting. The Postgres is stopped and started on the same data and port,
 * as an operator's restart or a failover would.
 */
const TOKEN = 'erin-outage-token-1';
const dataDir = path.join(os.tmpdir(), `acvloop-serve-outage-${process.pid}`);
let pg: EmbeddedPg | null = null;
let serve: ChildProcess;
let base: string;
let stderr = '';

const get = (p: string) => fetch(base + p, { redirect: 'manual', headers: { authorization: `Bearer ${TOKEN}` } });

beforeAll(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  pg = await startEmbeddedPostgres({ dataDir });
  const configFile = path.join(os.tmpdir(), `acvloop-serve-outage-${process.pid}.json`);
  fs.writeFileSync(configFile, JSON.stringify({ reviewers: [{ name: 'erin', roles: ['approver'], tokenSha256: tokenSha256(TOKEN) }] }));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  serve = spawn(process.execPath, [path.join(ROOT, 'bin', 'acvloop.js'), 'serve', '--port', String(port), '--config', configFile], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: pg!.url, ACVLOOP_SCHEMA: 'acvloop', TEMPORAL_ADDRESS: inject('temporalAddress') },
  });
  serve.stderr!.on('data', (d) => { stderr += d; });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    serve.stdout!.on('data', (d) => { out += d; if (out.includes('serving the runs at')) resolve(); });
    serve.once('exit', (code) => reject(new Error(`acvloop serve exited (${code}) before serving: ${stderr}`)));
  });
});

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
  }
  await pg?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('acvloop serve while its database is down', () => {
  it('answers 503 with Retry-After naming the database, then the page again once it is back, in the same process', async () => {
    expect((await get('/')).status).toBe(200);

    await pg!.halt();
    for (const p of ['/', '/runs/some-run']) {
      const down = await get(p);
      expect(down.status).toBe(503);
      expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
      const html = await down.text();
      expect(html).toContain('The database is unreachable');
      // Neither the driver's words nor a stack: the page is for a reviewer.
      expect(html).not.toMatch(/ECONNREFUSED|terminat|at .*\.ts:\d+|postgres:\/\//i);
    }
    expect(serve.exitCode).toBeNull();

    await pg!.resume();
    // The pool makes new connections on the next request: no restart of serve.
    await expect.poll(async () => (await get('/')).status, { timeout: 30_000, interval: 500 }).toBe(200);
    expect(await (await get('/')).text()).toContain('acvloop runs');
    expect(serve.exitCode).toBeNull();
    // The outage is in serve's log by its code, not the page.
    expect(stderr).toMatch(/database/i);
  });
});

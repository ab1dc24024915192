import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';

const compose = spawnSync('docker-compose', ['--version'], { encoding: 'utf8' });
const haveCompose = compose.status === 0;

// No Docker engine runs here; `docker-compose config` still checks the file as Compose reads it.
describe.skipIf(!haveCompose)('docker-compose.yml', () => {
  it('passes `docker-compose config` and wires Temporal to Postgres, the UI and the worker', () => {
    const r = spawnSync('docker-compose', ['config'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    for (const service of ['postgres', 'temporal', 'temporal-ui', 'worker']) expect(r.stdout).toMatch(new RegExp(`^  ${service}:`, 'm'));
    expect(r.stdout).toMatch(/DB: postgres12/);
    expect(r.stdout).toMatch(/TEMPORAL_ADDRESS: temporal:7233/);
    expect(r.stdout).toMatch(/DATABASE_URL: postgres:\/\/acvloop:acvloop@postgres:5432\/acvloop/);
  });
});

describe('the worker heap flags', () => {
  it('are the same in npm run worker, the Dockerfile and the bench', async () => {
    const { WORKER_NODE_FLAGS } = await import('../../cli/infra/worker-flags');
    const flags = WORKER_NODE_FLAGS.join(' ');
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.worker).toBe(`node ${flags} bin/acvloop.js worker`);
    expect(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).toContain(`ENV NODE_OPTIONS="${flags}"`);
  });
});

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
    for (const service of ['postgres', 'temporal', 'temporal-ui', 'migrate', 'worker']) expect(r.stdout).toMatch(new RegExp(`^  ${service}:`, 'm'));
    expect(r.stdout).toMatch(/DB: postgres12/);
    expect(r.stdout).toMatch(/TEMPORAL_ADDRESS: temporal:7233/);
    // Only the one-shot migrate connects as the owner; the worker and the CLI as the role that cannot alter tables.
    const urls = [...r.stdout.matchAll(/DATABASE_URL: (\S+)/g)].map((m) => m[1]);
    expect(urls.filter((u) => u.startsWith('postgres://acvloop:'))).toHaveLength(1);
    expect(urls.filter((u) => u.startsWith('postgres://acvloop_worker:change-me-worker@postgres:5432/acvloop'))).toHaveLength(2);
    expect(r.stdout).toMatch(/condition: service_completed_successfully/);
  });

  it('lets the worker scale (`--scale worker=4`): no fixed container name or host port, and a restart policy', () => {
    const r = spawnSync('docker-compose', ['config'], { cwd: ROOT, encoding: 'utf8' });
    const worker = /^  worker:\n((?: {4}.*\n|\n)*)/m.exec(r.stdout)?.[1] ?? '';
    expect(worker).toMatch(/command:/);
    expect(worker).not.toMatch(/container_name:|ports:/);
    expect(worker).toMatch(/restart: unless-stopped/);
  });
});

// The flags themselves are checked on a running worker in tests/e2e/worker-heap.test.ts.
describe('the worker heap flags', () => {
  it('come from acvloop worker alone: npm run worker, the Dockerfile and the bench run it without flags of their own', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.worker).toBe('node bin/acvloop.js worker');
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('ENTRYPOINT ["node", "bin/acvloop.js"]');
    expect(dockerfile).toMatch(/^CMD \["worker"\]$/m);
    // The benches start the worker through bench/harness.ts.
    const bench = fs.readFileSync(path.join(ROOT, 'bench', 'harness.ts'), 'utf8');
    expect(bench).toContain("spawn(process.execPath, [BIN, 'worker']");
    for (const [name, text] of [['package.json', JSON.stringify(pkg)], ['Dockerfile', dockerfile], ['bench/harness.ts', bench]]) {
      expect(text, name).not.toMatch(/max-old-space-size|max-semi-space-size|NODE_OPTIONS/);
    }
  });
});

/**
 * loadSources (activities/load.ts: the source rows every data stage reads
 * back from Postgres) on the cycle bench's world, against the version that
 * read each file with one `pool.query` (activities/load.ts at `ONE_QUERY`,
 * read with `git show` into a temp file, its imports pointed back at this
 * tree, so the tree stays clean).
 *
 *   DATABASE_URL=postgres://... npx tsx bench/load-sources.ts [--accounts 100000] [--runs 3] [--drop DIR] [--keep] [--reference <rev>]
 *     [--keep-schema NAME]    (load into schema NAME and keep it: a second run with the same drop and NAME reuses
 *                              the ingested batch, as a second cycle of a drop does, instead of 2-4 minutes of ingest)
 *
 * Generates the drop as `npm run bench` does (seed 42, 36 months to
 * 2026-10; or takes `--drop`), ingests and validates it in a scratch schema
 * `bench_load_<random>` by calling the ingest and validate activities
 * directly (no Temporal), then loads the batch, each call in a fresh child
 * process (so heaps never mix), old and new alternating, `runs` times per
 * scenario: `retrain` is the retrain stage's call (seven files, touchpoints
 * and usage projected), `whole` every file with every column. A child
 * reports the call's wall time, its peak RSS (`VmHWM`) and the heap used
 * after loading (after a forced GC, the rows still held), then a sha256 of
 * each file's rows as JSON (one line per row: keys, order, values and
 * whether each is a number or text). Prints the medians, new/old ratios and
 * whether every file's hash agrees; exits 1 if one does not. The schema is
 * dropped at the end.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createActivities } from '../activities';
import type { loadSources as LoadSources } from '../activities/load';
import { runActivities } from '../activities/runs';
import { hashDrop } from '../contracts/drop-hash';
import { DROP_FILES, type DropFileName } from '../contracts/rows';
import { generateDrop } from '../generator';
import { parsePositiveInt } from '../cli/parse';
import { connect, migrate } from '../sql/db';

/** The last commit whose loadSources read each file with one pool.query (no cursor, no shared strings). */
const ONE_QUERY = '0346889';
const REPO = path.resolve(__dirname, '..');
const MONTH = '2026-10';

/** The calls measured: the retrain stage's (its heaviest reader), and every file whole. */
const SCENARIOS: Record<string, { files: readonly DropFileName[]; columns?: Record<string, readonly string[]> }> = {
  retrain: {
    files: ['accounts', 'opportunities', 'contracts', 'touchpoints', 'usage', 'spend', 'experiments'],
    columns: { touchpoints: ['account_id', 'channel', 'campaign_id', 'occurred_at', 'kind'], usage: ['account_id', 'month', 'active_users', 'usage_units'] },
  },
  whole: { files: DROP_FILES },
};

interface ChildResult {
  wallMs: number;
  /** VmRSS just before the call (the process with its modules loaded). */
  rssBeforeMiB: number;
  /** VmHWM after the call: the process's peak. */
  peakRssMiB: number;
  /** Heap used after the call and a forced GC, the rows still held. */
  heapUsedMiB: number;
  rows: Record<string, number>;
  sha256: Record<string, string>;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function statusMiB(field: 'VmHWM' | 'VmRSS'): number {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return line ? Math.round(Number(line.split(/\s+/)[1]) / 102.4) / 10 : NaN;
}

/** activities/load.ts at `rev`, in a temp folder with its relative imports pointed at this tree's activities/. */
function referenceModule(rev: string): { file: string; cleanup: () => void } {
  const text = execFileSync('git', ['show', `${rev}:activities/load.ts`], { cwd: REPO, encoding: 'utf8' });
  const from = path.join(REPO, 'activities');
  const rewired = text.replace(/from '(\.[^']+)'/g, (_, spec: string) => `from '${path.resolve(from, spec)}'`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'load-sources-'));
  const file = path.join(dir, 'load-one-query.ts');
  fs.writeFileSync(file, rewired);
  return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** In the child: one loadSources call, measured, then its rows hashed. */
async function child(moduleFile: string, schema: string, batchId: string, scenario: string): Promise<void> {
  // require, not import(): tsx's require hook compiles a .ts file anywhere, the ESM loader of this child does not.
  const { loadSources } = require(moduleFile) as { loadSources: typeof LoadSources };
  const db = connect({ url: process.env.DATABASE_URL!, schema, max: 2 });
  const { files, columns } = SCENARIOS[scenario];
  try {
    await db.pool.query('select 1');
    const gc = (globalThis as { gc?: () => void }).gc!;
    gc();
    const rssBeforeMiB = statusMiB('VmRSS');
    const t0 = process.hrtime.bigint();
    const loaded = (await loadSources({ db, codeVersion: 'bench' }, batchId, files, columns as never)) as Record<string, Record<string, unknown>[]>;
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const peakRssMiB = statusMiB('VmHWM');
    gc();
    const heapUsedMiB = mib(process.memoryUsage().heapUsed);
    const rows: Record<string, number> = {};
    const sha256: Record<string, string> = {};
    for (const f of files) {
      const h = createHash('sha256');
      for (const r of loaded[f]) h.update(`${JSON.stringify(r)}\n`);
      rows[f] = loaded[f].length;
      sha256[f] = h.digest('hex');
    }
    const result: ChildResult = { wallMs: Math.round(wallMs), rssBeforeMiB, peakRssMiB, heapUsedMiB, rows, sha256 };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await db.close();
  }
}

function runChild(moduleFile: string, schema: string, batchId: string, scenario: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    // A heap limit well above either version's need: the peak measured is what each takes, not where V8 gives up.
    const p = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '-r', 'tsx/cjs', __filename,
      '--child', moduleFile, '--schema', schema, '--batch', batchId, '--scenario', scenario], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`child (${scenario}, ${moduleFile}) exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Ingests and validates the drop in `schema` through the activities themselves: the src_* rows the cycle would read. */
async function loadDrop(url: string, schema: string, dir: string): Promise<string> {
  const db = connect({ url, schema });
  try {
    await migrate(db);
    const deps = { db, codeVersion: 'bench-load-sources' };
    const runId = `bench-load-${randomBytes(3).toString('hex')}`;
    const { sha256 } = await hashDrop(dir);
    await runActivities(deps).registerRun({
      runId, month: MONTH, dropPath: dir, dropSha256: sha256, version: 1, requestedBy: 'bench', workflowRunId: `wf-${runId}`,
    });
    const acts = createActivities(deps);
    for (const stage of ['ingest', 'validate'] as const) {
      const t0 = Date.now();
      await acts[stage]({ runId });
      log(`${stage}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const batch = await db.pool.query('select batch_id from run_batches where run_id = $1', [runId]);
    return batch.rows[0].batch_id as string;
  } finally {
    await db.close();
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const db = connect({ url, schema: 'public' });
  try {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db.db);
  } finally {
    await db.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '3' },
      drop: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'keep-schema': { type: 'string' },
      reference: { type: 'string', default: ONE_QUERY },
      child: { type: 'string' },
      schema: { type: 'string' },
      batch: { type: 'string' },
      scenario: { type: 'string' },
    },
    strict: true,
  });
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: the bench loads the drop into a scratch schema of that database');
  if (values.child) {
    await child(values.child, values.schema!, values.batch!, values.scenario!);
    return 0;
  }
  const accounts = parsePositiveInt(values.accounts!, '--accounts');
  const runs = parsePositiveInt(values.runs!, '--runs');

  const tmp = values.drop ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'load-sources-drop-'));
  const dropDir = values.drop ?? path.join(tmp!, 'drop');
  const ref = referenceModule(values.reference!);
  const schema = values['keep-schema'] ?? `bench_load_${randomBytes(3).toString('hex')}`;
  try {
    if (tmp) {
      const t0 = Date.now();
      await generateDrop({ outDir: dropDir, seed: 42, accounts, months: 36, end: MONTH });
      log(`generated ${accounts} accounts in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${dropDir}`);
    }
    const batchId = await loadDrop(url, schema, dropDir);
    const newFile = path.join(REPO, 'activities', 'load.ts');
    let same = true;
    const report: Record<string, unknown> = { reference: values.reference, accounts, runs, loadavg: os.loadavg().map((x) => +x.toFixed(1)) };
    for (const scenario of Object.keys(SCENARIOS)) {
      const old: ChildResult[] = [];
      const now: ChildResult[] = [];
      for (let i = 0; i < runs; i++) {
        old.push(await runChild(ref.file, schema, batchId, scenario));
        now.push(await runChild(newFile, schema, batchId, scenario));
        log(`${scenario} run ${i + 1}: old ${old[i].wallMs} ms ${old[i].peakRssMiB} MiB peak, new ${now[i].wallMs} ms ${now[i].peakRssMiB} MiB peak`);
      }
      const hashes = [...old, ...now].map((r) => JSON.stringify(r.sha256));
      const agree = hashes.every((h) => h === hashes[0]);
      same &&= agree;
      const m = (rs: ChildResult[], k: 'wallMs' | 'peakRssMiB' | 'heapUsedMiB' | 'rssBeforeMiB') => median(rs.map((r) => r[k]));
      const summary = Object.fromEntries((['wallMs', 'peakRssMiB', 'heapUsedMiB', 'rssBeforeMiB'] as const).map((k) =>
        [k, { old: m(old, k), new: m(now, k), ratio: +(m(now, k) / m(old, k)).toFixed(3) }]));
      report[scenario] = { ...summary, rows: now[0].rows, sameRows: agree };
      log(`${scenario}: wall ${summary.wallMs.ratio}x, peak RSS ${summary.peakRssMiB.ratio}x, heap used ${summary.heapUsedMiB.ratio}x (new/old), rows ${agree ? 'identical' : 'DIFFER'}`);
    }
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return same ? 0 : 1;
  } finally {
    if (values['keep-schema']) log(`kept the schema ${schema}`);
    else await dropSchema(url, schema).catch((err) => log(`dropping ${schema} failed: ${(err as Error).message}`));
    ref.cleanup();
    if (tmp && !values.keep) fs.rmSync(tmp, { recursive: true, force: true });
    else if (tmp) log(`kept the drop in ${dropDir}`);
  }
}

if (require.main === module) {
  main().then((code) => { process.exitCode = code; }, (err) => {
    log((err as Error).stack ?? String(err));
    process.exitCode = 1;
  });
}

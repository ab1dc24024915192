import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { generateDrop } from '../../generator';
import { hashDrop } from '../../contracts/drop-hash';
import { connect, migrate, type Db } from '../../sql/db';
import { createWorker } from '../../temporal/worker';
import { codeVersion, redact } from '../env';
import { startEmbeddedPostgres } from '../infra/postgres';
import { findTemporalCli, startDevServer, TEMPORAL_INSTALL_HINT } from '../infra/temporal';
import { readRun } from '../../queries/run-report';
import { readScores, scoresCsv } from '../../queries/scores';
import { buildRunReport } from '../../report/html';
import { decide, startCycle } from '../../temporal/client';
import { say } from '../output';
import { parseMonth, parsePositiveInt } from '../parse';
import { waitForGate } from './run';
import { printReport } from './show';

const DEMO_REQUESTER = 'demo-data-engineer';
const DEMO_REVIEWER = 'demo-reviewer';

/**
 * The demo: a real Postgres (embedded unless DATABASE_URL) and a real
 * Temporal dev server (unless TEMPORAL_ADDRESS), a generated drop, one
 * monthly cycle through every stage, the approval gate, and the summary
 * read back from Postgres. Everything it starts, it stops.
 */
export async function demoCommand(opts: { accounts: string; seed: string; month: string; dir: string }): Promise<number> {
  const month = parseMonth(opts.month, '--month');
  const accounts = parsePositiveInt(opts.accounts, '--accounts');
  const dir = path.resolve(opts.dir);
  const t0 = Date.now();
  const stops: (() => Promise<void>)[] = [];
  try {
    fs.mkdirSync(dir, { recursive: true });
    Runtime.install({ logger: new DefaultLogger('WARN') });

    say('acvloop demo');
    let url = process.env.DATABASE_URL;
    if (url) say(`  Postgres: ${redact(url)} (DATABASE_URL)`);
    else {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres') });
      stops.push(pg.stop);
      url = pg.url;
      say(`  Postgres: embedded server started at ${redact(url)}`);
    }
    let address = process.env.TEMPORAL_ADDRESS;
    if (address) say(`  Temporal: ${address} (TEMPORAL_ADDRESS)`);
    else {
      if (!findTemporalCli()) say(`  (${TEMPORAL_INSTALL_HINT}; trying the SDK's own download)`);
      const server = await startDevServer();
      stops.push(server.stop);
      address = server.address;
      say(`  Temporal: dev server started at ${address}`);
    }
    const schema = process.env.ACVLOOP_SCHEMA || 'acvloop';
    const db: Db = connect({ url, schema });
    stops.push(() => db.close());
    const migrated = await migrate(db);
    say(`  Schema "${schema}": ${migrated.applied.length ? `applied ${migrated.applied.length} migration(s)` : 'up to date'}`);

    const dropDir = path.join(dir, `drop-${month}`);
    fs.rmSync(dropDir, { recursive: true, force: true });
    const gen = await generateDrop({ outDir: dropDir, seed: Number(opts.seed), accounts, end: month });
    say(`  Drop: generated ${gen.files.map((f) => `${f.rows} ${f.name.replace(/\.csv.*/, '')}`).join(', ')} in ${dropDir}`);

    const native = await NativeConnection.connect({ address });
    stops.push(() => native.close());
    const taskQueue = `acvloop-demo-${process.pid}`;
    const worker = await createWorker({ connection: native, taskQueue, deps: { db, codeVersion: codeVersion() } });
    const running = worker.run();
    stops.push(async () => { worker.shutdown(); await running; });
    const client = new Client({ connection: (await import('@temporalio/client')).Connection.lazy({ address }) });
    stops.push(() => client.connection.close());

    const drop = await hashDrop(dropDir);
    const { runId } = await startCycle(client, {
      month, dropPath: dropDir, dropSha256: drop.sha256, requestedBy: DEMO_REQUESTER, approvalTimeoutMs: 3_600_000,
    }, { rerun: true, taskQueue });
    say('');
    say(`Run ${runId} started for ${month} (requested by ${DEMO_REQUESTER})`);
    const gate = await waitForGate(client, runId, say);
    if (gate.status !== 'awaiting_approval') {
      say(`The run ended ${gate.status}${gate.error ? `: ${gate.error}` : ''}`);
      return 1;
    }
    say('');
    say(`The run waits at the approval gate. The demo now approves it as "${DEMO_REVIEWER}" —`);
    say(`in real use a reviewer runs: acvloop approve ${runId} --reviewer NAME --reason TEXT`);
    await decide(client, runId, { decision: 'approve', reviewer: DEMO_REVIEWER, reason: 'demo: approved automatically by the demo reviewer' });
    const result = await client.workflow.getHandle(runId).result();
    say(`  ✓ approval  ${DEMO_REVIEWER} approved`);
    say(`  ✓ publish   run ${result.status}`);
    say('');

    const report = await readRun(db, runId);
    printReport(report);
    const out = path.join(dir, 'out');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'show.json'), JSON.stringify(report, null, 2));
    const scores = await readScores(db, runId);
    fs.writeFileSync(path.join(out, 'scores.csv'), scoresCsv(scores));
    const events = await db.db.selectFrom('lineage_events').select('event').where('run_id', '=', runId).orderBy('id').execute();
    fs.writeFileSync(path.join(out, 'lineage.json'), JSON.stringify(events.map((e) => e.event), null, 2));
    fs.writeFileSync(path.join(out, 'report.html'), await buildRunReport(db, runId, { generatedAt: new Date().toISOString() }));
    say(`Copies of the outputs: ${path.join(out, 'show.json')}, scores.csv (${scores.length} contracts), lineage.json (${events.length} OpenLineage events),`);
    say(`and the reviewer's report: ${path.join(out, 'report.html')} (opens offline)`);
    if (!process.env.DATABASE_URL) say('(The embedded Postgres is removed when the demo ends; set DATABASE_URL to keep the outputs in your own database.)');
    say(`Demo finished in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
    return 0;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  }
}

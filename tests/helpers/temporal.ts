import { suiteDb } from './db';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { progressQuery, type CycleProgress } from '../../workflows/messages';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities } from '../../activities';
import type { ActivityDeps } from '../../activities/context';
import { bundleWorkflows, createWorker } from '../../temporal/worker';

// Worker state changes at INFO would drown the test report.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  return (bundle ??= bundleWorkflows());
}

export interface TemporalHarness {
  client: Client;
  native: NativeConnection;
  taskQueue: string;
  address: string;
  close(): Promise<void>;
}

export async function connectTemporal(suite: string): Promise<TemporalHarness> {
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const native = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection }),
    native,
    address,
    taskQueue: `test-${suite}-${randomBytes(3).toString('hex')}`,
    async close() {
      await connection.close();
      await native.close();
    },
  };
}

export async function makeWorker(
  t: TemporalHarness, deps: ActivityDeps,
  wrap?: (acts: ReturnType<typeof createActivities>) => Record<string, (...a: any[]) => Promise<unknown>>,
): Promise<Worker> {
  const acts = createActivities(deps);
  return createWorker({
    connection: t.native, taskQueue: t.taskQueue, deps, workflowBundle: await workflowBundle(),
    activities: wrap ? wrap(acts) : acts,
  });
}

/** A workflow suite's own schema, Temporal connection and running worker, and how to stop them in order. */
export interface WorkerSuite {
  db: Awaited<ReturnType<typeof suiteDb>>;
  t: TemporalHarness;
  stop(): Promise<void>;
}

/**
 * Starts a suite's schema `name`, its own task queue and a worker running the
 * cycle's activities on that schema (the setup every workflow suite shares).
 * @example
 * beforeAll(async () => { suite = await startWorkerSuite('governance'); ({ db, t } = suite); });
 * afterAll(async () => { await suite?.stop(); });
 */
export async function startWorkerSuite(name: string): Promise<WorkerSuite> {
  const db = await suiteDb(name);
  const t = await connectTemporal(name);
  const worker = await makeWorker(t, { db, codeVersion: 'test' });
  const running = worker.run();
  return {
    db, t,
    async stop() {
      worker.shutdown();
      await running;
      await t.close();
      await db.drop();
    },
  };
}

/**
 * With ACVLOOP_RECORD_HISTORIES=DIR, writes a run's history to DIR/NAME.json
 * in the temporal CLI's JSON: how a release stores the histories the next
 * release must replay (tests/workflows/histories/, replay-releases.test.ts).
 */
export function recordHistory(t: TemporalHarness, workflowId: string, name: string): void {
  const dir = process.env.ACVLOOP_RECORD_HISTORIES;
  if (!dir) return;
  const json = execFileSync(inject('temporalCli'), ['workflow', 'show', '--workflow-id', workflowId, '--address', t.address, '--output', 'json'],
    { maxBuffer: 64 << 20 });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), json);
}

/** Polls a cycle until it leaves `running`: waiting at the approval gate, or ended. */
export async function untilApprovalOrEnd(handle: WorkflowHandle): Promise<CycleProgress> {
  for (;;) {
    const p = await handle.query(progressQuery);
    if (p.status !== 'running') return p;
    await new Promise((r) => setTimeout(r, 200));
  }
}

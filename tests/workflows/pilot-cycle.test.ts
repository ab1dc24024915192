/**
 * A pilot run end to end on real Temporal and Postgres (issue 17, part 6):
 * after an organisation-wide run is approved and published, a pilot of the
 * same drop scoped to one region starts under its own id, runs every stage,
 * waits for its reviewer, and publishes its own outputs, while every
 * champion and challenger alias stays where the organisation-wide run left it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, startCycle } from '../../temporal/client';
import { startWorkerSuite, untilApprovalOrEnd, type TemporalHarness, type WorkerSuite } from '../helpers/temporal';
import { smallDrop } from '../helpers/drops';

let db: WorkerSuite['db'];
let t: TemporalHarness;
let drop: Awaited<ReturnType<typeof smallDrop>>;
let suite: WorkerSuite;

beforeAll(async () => {
  suite = await startWorkerSuite('pilot_cycle');
  ({ db, t } = suite);
  drop = await smallDrop({ accounts: 600 });
});

afterAll(async () => {
  await suite?.stop();
  drop?.cleanup();
});

/** Starts a run, waits for the gate, approves it as erin and returns its id and result. */
async function approvedRun(scope?: { region: string }) {
  const { runId } = await startCycle(t.client, {
    month: drop.month, dropPath: drop.dir, dropSha256: drop.sha256, requestedBy: 'dana',
    approvalTimeoutMs: 120_000, heartbeatTimeoutMs: 10_000, ...(scope ? { scope } : {}),
  }, { taskQueue: t.taskQueue });
  const handle = t.client.workflow.getHandle(runId);
  const progress = await untilApprovalOrEnd(handle);
  expect(progress.status).toBe('awaiting_approval');
  await decide(t.client, runId, { decision: 'approve', reviewer: 'erin' });
  return { runId, result: await handle.result() };
}

const aliases = async () => (await db.pool.query(
  `select family, alias, model_version_id, run_id from model_alias_events order by id`)).rows;

describe('a pilot run on the monthly cycle', () => {
  it('completes and publishes its own outputs without moving any alias', async () => {
    const org = await approvedRun();
    expect(org.result.status).toBe('completed');
    const before = await aliases();
    expect(before.some((a) => a.alias === 'champion' && a.run_id === org.runId)).toBe(true);

    const pilot = await approvedRun({ region: 'EMEA' });
    expect(pilot.runId).toBe(`${org.runId}-pilot-region-emea`);
    expect(pilot.result.status).toBe('completed');
    expect(await aliases()).toEqual(before);
    const run = (await db.pool.query('select scope from runs where run_id = $1', [pilot.runId])).rows[0];
    expect(run.scope).toEqual({ region: 'EMEA' });
    // Its sign-off asks no one to promote what its gate passed: a pilot moves no champion.
    const request = (await db.pool.query('select sign_off from approval_requests where run_id = $1', [pilot.runId])).rows[0];
    expect(request.sign_off.promotion).toEqual([]);
    const orgRequest = (await db.pool.query('select sign_off from approval_requests where run_id = $1', [org.runId])).rows[0];
    expect(orgRequest.sign_off.promotion.length).toBeGreaterThan(0);
    const published = (await db.pool.query('select outputs from publications where run_id = $1', [pilot.runId])).rows[0].outputs;
    expect(published).toMatchObject({ promoted: [], pilot: { region: 'EMEA' } });
    const scored = Number((await db.pool.query('select count(*) as n from contract_scores where run_id = $1', [pilot.runId])).rows[0].n);
    const orgScored = Number((await db.pool.query('select count(*) as n from contract_scores where run_id = $1', [org.runId])).rows[0].n);
    expect(scored).toBeGreaterThan(0);
    expect(scored).toBeLessThan(orgScored);
  }, 300_000);
});

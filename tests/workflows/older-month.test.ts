import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type AcvloopConfig } from '../../config/schema';
import { decideAudited, startCycle } from '../../temporal/client';
import { buildRunReport } from '../../report/html';
import { startWorkerSuite, recordHistory, untilApprovalOrEnd, type TemporalHarness, type WorkerSuite } from '../helpers/temporal';
import { smallDrop } from '../helpers/drops';

/**
 * A backfill of an older month after a newer one was approved (issue 12),
 * on a real Temporal dev server and Postgres: September approved after
 * October publishes its outputs and keeps October's champion, says so at the
 * gate, and compares itself with what was approved before September; a
 * reviewer who sends `promote: true` with the approval moves the champion,
 * and the decision records that they asked.
 */
let db: WorkerSuite['db'];
let t: TemporalHarness;
let oct: Awaited<ReturnType<typeof smallDrop>>;
let sep: Awaited<ReturnType<typeof smallDrop>>;
let suite: WorkerSuite;

// Thresholds every sound fit meets: the point here is the champion, not the gate.
const config: AcvloopConfig = configSchema.parse({ gate: {
  forecastMapeMax: 100, forecastCoverage80Min: 0, renewalBrierMax: 1, renewalAucMin: 0, attributionStabilityMin: -1, minRelativeImprovement: -1, maxPlausibleRoi: 1e6,
} });

beforeAll(async () => {
  suite = await startWorkerSuite('older_month');
  ({ db, t } = suite);
  oct = await smallDrop({ seed: 11 });
  sep = await smallDrop({ seed: 11, end: '2026-09' });
});

afterAll(async () => {
  await suite?.stop();
  oct?.cleanup();
  sep?.cleanup();
});

/** Starts a cycle of the drop's month and waits at its gate. */
async function atGate(drop: typeof oct) {
  const { runId } = await startCycle(t.client, {
    month: drop.month, dropPath: drop.dir, dropSha256: drop.sha256, requestedBy: 'dana', heartbeatTimeoutMs: 10_000, config,
  }, { rerun: true, taskQueue: t.taskQueue });
  const handle = t.client.workflow.getHandle(runId);
  expect((await untilApprovalOrEnd(handle)).status).toBe('awaiting_approval');
  const request = await db.db.selectFrom('approval_requests').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
  const verdict = await db.db.selectFrom('gate_verdicts').select('promote').where('run_id', '=', runId).executeTakeFirstOrThrow();
  return { runId, handle, request, promote: verdict.promote as string[] };
}

async function champions(): Promise<Record<string, string>> {
  const rows = await db.pool.query(`select distinct on (family) family, model_version_id from model_alias_events where alias = 'champion' order by family, id desc`);
  return Object.fromEntries(rows.rows.map((r) => [r.family, r.model_version_id]));
}

describe('an older month approved after a newer one', () => {
  it('keeps the newer champion unless the approver asks with promote: true, and says which at the gate', async () => {
    const october = await atGate(oct);
    expect(october.promote.length).toBeGreaterThan(0);
    await decideAudited(t.client, db, october.runId, { decision: 'approve', reviewer: 'erin', reason: 'checked' });
    expect((await october.handle.result()).status).toBe('completed');
    const afterOctober = await champions();
    for (const f of october.promote) expect(afterOctober[f]).toBe(`${october.runId}/${f}`);

    // The September backfill: nothing approved before September to compare with, and the champion stays unless asked.
    const september = await atGate(sep);
    const kept = september.promote.filter((f) => october.promote.includes(f)).sort();
    expect(kept.length).toBeGreaterThan(0);
    expect(september.request.previous_run_id).toBeNull();
    expect(september.request.changes).toMatchObject({ previousRunId: null, note: 'no earlier approved run to compare with' });
    const signOff = september.request.sign_off as any;
    expect(signOff.champion.kept.map((k: any) => k.family).sort()).toEqual(kept);
    expect(signOff.champion.text).toMatch(/^this run \(2026-09\) is older than the champion's run of 2026-10 \(.*\): approving publishes its outputs and keeps that champion; approve with --promote-older/);
    expect(await buildRunReport(db, september.runId)).toContain(signOff.champion.text.replace(/'/g, '&#39;'));
    await decideAudited(t.client, db, september.runId, { decision: 'approve', reviewer: 'erin', reason: 'backfill checked' });
    expect((await september.handle.result()).status).toBe('completed');
    const afterSeptember = await champions();
    for (const f of kept) expect(afterSeptember[f]).toBe(`${october.runId}/${f}`);
    expect(await db.db.selectFrom('publications').select('run_id').where('run_id', '=', september.runId).executeTakeFirst()).toBeTruthy();

    // The same month again, approved with promote: true: it becomes champion, and its decision says who asked.
    const again = await atGate(sep);
    expect(again.request.previous_run_id).toBe(september.runId);
    await decideAudited(t.client, db, again.runId, { decision: 'approve', reviewer: 'frank', reason: 'September is the right model', promote: true });
    const result = await again.handle.result();
    expect(result.status).toBe('completed');
    expect(result.decision).toMatchObject({ reviewer: 'frank', promote: true });
    recordHistory(t, again.runId, 'promote-older');
    const asked = await db.pool.query('select reviewer, promote_older from approval_decisions where run_id = $1', [again.runId]);
    expect(asked.rows).toEqual([{ reviewer: 'frank', promote_older: true }]);
    const afterAgain = await champions();
    for (const f of again.promote.filter((x) => october.promote.includes(x))) expect(afterAgain[f]).toBe(`${again.runId}/${f}`);
  });
});

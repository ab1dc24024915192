import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type AcvloopConfig } from '../../config/schema';
import { rollbackTo } from '../../governance/registry-commands';
import { runExists } from '../../store/runs';
import { decideAudited, startCycle } from '../../temporal/client';
import { decideSignal, progressQuery } from '../../workflows/messages';
import { startWorkerSuite, recordHistory, untilApprovalOrEnd, type TemporalHarness, type WorkerSuite } from '../helpers/temporal';
import { smallDrop } from '../helpers/drops';

/**
 * Approvals by identity and role, the gate and the registry, on a real
 * Temporal dev server and Postgres: every refusal path is an error to the
 * caller and an audit entry; a failing challenger is not promoted.
 */
let db: WorkerSuite['db'];
let t: TemporalHarness;
let drop: Awaited<ReturnType<typeof smallDrop>>;
let suite: WorkerSuite;

const REVIEWERS = [
  { name: 'ana', roles: ['approver'] }, { name: 'bo', roles: ['approver'] }, { name: 'cy', roles: ['viewer'] },
  { name: 'dee', roles: ['approver', 'viewer'] },
];
const config = (over: Record<string, unknown> = {}): AcvloopConfig => configSchema.parse({ reviewers: REVIEWERS, ...over });

beforeAll(async () => {
  suite = await startWorkerSuite('governance');
  ({ db, t } = suite);
  drop = await smallDrop({ seed: 11 });
});

afterAll(async () => {
  await suite?.stop();
  drop?.cleanup();
});

async function start(requestedBy: string, cfg: AcvloopConfig, beforeGate?: (runId: string) => Promise<void>) {
  const { runId } = await startCycle(t.client, {
    month: drop.month, dropPath: drop.dir, dropSha256: drop.sha256, requestedBy, heartbeatTimeoutMs: 10_000, config: cfg,
  }, { rerun: true, taskQueue: t.taskQueue });
  if (beforeGate) await beforeGate(runId);
  return { runId, handle: t.client.workflow.getHandle(runId) };
}

const refusals = async (runId: string) =>
  (await db.db.selectFrom('audit_log').select(['actor', 'reason']).where('action', '=', 'decision.refused').where('run_id', '=', runId).orderBy('id').execute());

describe('approvals by identity and role', () => {
  let approvedRun = '';

  it('refuses every decision it must, each an error and an audit entry, and needs two distinct approvers', async () => {
    // (AUC floor off: this small world's renewal model ranks no better than chance, and the gate test below needs a renewal champion.)
    const { runId, handle } = await start('dee', config({ approvals: { required: 2, largeBudgetMove: { share: 1, required: 2 } }, gate: { renewalAucMin: 0 } }));
    const d = (reviewer: string, decision: 'approve' | 'reject' = 'approve', reason?: string) =>
      decideAudited(t.client, db, runId, { decision, reviewer, reason });

    // The run registers itself first thing; a decision refused before that is audited without a run (an unknown id may
    // be a typo). Wait for it, so the refusal before the gate is the run's on a loaded machine too.
    await expect.poll(() => runExists(db.db, runId), { timeout: 60_000, interval: 100 }).toBe(true);
    await expect(d('ana')).rejects.toThrow(/not reached the approval gate/);
    const atApproval = await untilApprovalOrEnd(handle);
    expect(atApproval.status).toBe('awaiting_approval');
    expect(atApproval.requiredApprovers).toBe(2);

    await expect(d('zed')).rejects.toThrow(/zed is not a reviewer in the run's config/);
    await expect(d('cy')).rejects.toThrow(/cy is a viewer in the run's config; only an approver may decide/);
    await expect(d('dee')).rejects.toThrow(/dee requested this run and cannot decide on it \(four-eyes rule\)/);
    await expect(d('bo', 'reject')).rejects.toThrow(/a rejection needs a reason/);
    expect((await d('ana', 'approve', 'checked the ROI table')).decision).toBe('approved');
    expect((await handle.query(progressQuery)).status).toBe('awaiting_approval'); // one of two
    await expect(d('ana')).rejects.toThrow(/ana already approved this run.*1 more approval\(s\) must come from other approvers/);
    expect((await d('bo', 'approve', 'second pair of eyes')).decision).toBe('approved');
    const result = await handle.result();
    expect(result.status).toBe('completed');
    expect(result.decisions!.map((x: { reviewer: string }) => x.reviewer)).toEqual(['ana', 'bo']);
    // The budget that now applies is audited old -> new, by the approvers.
    const budgetRows = await db.db.selectFrom('budget_recommendations').select(['channel', 'current', 'recommended']).where('run_id', '=', runId).execute();
    const applied = await db.db.selectFrom('audit_log').select(['actor', 'before', 'after']).where('run_id', '=', runId).where('action', '=', 'budget.applied').execute();
    expect(applied).toEqual(budgetRows.length ? [{ actor: 'ana, bo', before: { budget: Object.fromEntries(budgetRows.map((b) => [b.channel, b.current])) },
      after: { budget: Object.fromEntries(budgetRows.map((b) => [b.channel, b.recommended])) } }] : []);
    expect(budgetRows.length).toBeGreaterThan(0);
    await expect(d('bo', 'reject', 'too late')).rejects.toThrow(/already approved by/);

    // Seven refusals, each audited with its reason; two decisions, each a row; the final approval names both.
    const refused = await refusals(runId);
    expect(refused.map((r) => r.actor)).toEqual(['ana', 'zed', 'cy', 'dee', 'bo', 'ana', 'bo']);
    expect(refused[2].reason).toMatch(/only an approver may decide/);
    const rows = await db.db.selectFrom('approval_decisions').select(['reviewer', 'decision']).where('run_id', '=', runId).orderBy('id').execute();
    expect(rows).toEqual([{ reviewer: 'ana', decision: 'approved' }, { reviewer: 'bo', decision: 'approved' }]);
    const approval = await db.db.selectFrom('approvals').select(['decision', 'reviewer']).where('run_id', '=', runId).executeTakeFirstOrThrow();
    expect(approval).toEqual({ decision: 'approved', reviewer: 'ana, bo' });
    recordHistory(t, runId, 'two-approvers');
    approvedRun = runId;
  });

  it('asks more approvers for a budget that moves more than the configured share, and takes a rejection by signal', async () => {
    // The budget must move: on this world fewer than the default 80% of the media-mix model's draws agree that any move
    // gains (every line binds on `confidence`), so the reallocation is taken at a majority of them (budget.minConfidence).
    const { runId, handle } = await start('dee', config({ approvals: { required: 1, largeBudgetMove: { share: 0, required: 3 } }, budget: { minConfidence: 0.5 } }));
    const atApproval = await untilApprovalOrEnd(handle);
    recordHistory(t, runId, 'waiting-for-three-approvers');
    const request = await db.db.selectFrom('approval_requests').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
    expect(request.budget_move_share).toBeGreaterThan(0);
    expect((request.sign_off as any).budget.beyondGuardrails).toBe(true);
    expect(request.required_approvers).toBe(3);
    expect(atApproval.requiredApprovers).toBe(3);
    // The earlier approved run is the comparison: ROI and budget then and now, per channel, with where the change comes from.
    expect(request.previous_run_id).toBe(approvedRun);
    const changes = request.changes as any;
    expect(changes.channels.length).toBeGreaterThan(0);
    for (const c of changes.channels) expect(['new data', 'new model', 'unchanged', 'not comparable']).toContain(c.source);
    // Same drop and same code: the refit reproduces the earlier fit, so nothing changed.
    expect(changes.dropChanged).toBe(false);
    expect(changes.channels.filter((c: any) => c.source !== 'not comparable').every((c: any) => c.source === 'unchanged')).toBe(true);

    await handle.signal(decideSignal, { decision: 'approve', reviewer: 'cy' }); // a viewer: refused, audited by the workflow
    await handle.signal(decideSignal, { decision: 'reject', reviewer: 'bo', reason: 'the move is too large this quarter' });
    const result = await handle.result();
    expect(result.status).toBe('rejected');
    expect((await refusals(runId)).map((r) => r.actor)).toEqual(['cy']);
    const promoted = await db.db.selectFrom('model_alias_events').select('family').where('run_id', '=', runId).where('alias', '=', 'champion').execute();
    expect(promoted).toEqual([]);
  });

  it('sends a reminder (audited and POSTed to the webhook) before the gate expires, then refuses a late decision', async () => {
    const posts: any[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => { posts.push({ url: req.url, body: JSON.parse(body) }); res.end('ok'); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/acvloop`;
    try {
      const { runId, handle } = await start('dee', config({ approvals: { timeout: '4s', remindBefore: '2s', webhook: url } }));
      expect((await handle.result()).status).toBe('expired');
      recordHistory(t, runId, 'reminded-then-expired');
      expect(posts).toHaveLength(1);
      expect(posts[0].url).toBe('/hooks/acvloop');
      expect(posts[0].body).toMatchObject({ event: 'acvloop.approval.reminder', runId, required: 1, approvedBy: [] });
      const reminder = await db.db.selectFrom('audit_log').select(['after']).where('run_id', '=', runId).where('action', '=', 'approval.reminder').executeTakeFirstOrThrow();
      expect((reminder.after as any).webhook).toEqual({ url, status: 200 });
      await expect(decideAudited(t.client, db, runId, { decision: 'approve', reviewer: 'ana' })).rejects.toThrow(/the run is expired; it no longer takes decisions/);
      expect((await refusals(runId)).map((r) => r.actor)).toEqual(['ana']);
    } finally {
      server.close();
    }
  });
});

describe('the backtest gate', () => {
  it('records a challenger that fails the gate, keeps its champion serving the scores, and promotes only what passed', async () => {
    const before = await db.db.selectFrom('model_alias_events').select(['model_version_id']).where('family', '=', 'renewal').where('alias', '=', 'champion').orderBy('id', 'desc').executeTakeFirst();
    // Thresholds no model can meet on renewals and forecasts.
    const cfg = config({ gate: { renewalBrierMax: 1e-9, forecastMapeMax: 1e-9 } });
    const { runId, handle } = await start('dee', cfg);
    await untilApprovalOrEnd(handle);
    const verdict = await db.db.selectFrom('gate_verdicts').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
    const families = verdict.families as any;
    expect(families.renewal.passed).toBe(false);
    expect(families.renewal.reason).toMatch(/renewal_brier .* > 0/);
    expect(families.forecast.passed).toBe(false);
    expect(verdict.promote).not.toContain('renewal');
    // Each check is machine-readable: name, value, threshold, pass/fail.
    for (const c of verdict.checks as any[]) expect(Object.keys(c)).toEqual(expect.arrayContaining(['family', 'name', 'kind', 'value', 'threshold', 'comparator', 'passed']));
    const brier = (verdict.checks as any[]).find((c) => c.family === 'renewal' && c.name === 'renewal_brier');
    expect(brier).toMatchObject({ kind: 'absolute', threshold: 1e-9, comparator: '<=', passed: false });

    // The scores come from the renewal champion the first run promoted, not from the failed challenger.
    expect(before?.model_version_id).toMatch(/^cycle-.*\/renewal$/);
    const serving = before!.model_version_id;
    const scored = await db.db.selectFrom('contract_scores').select('model_version_id').where('run_id', '=', runId).distinct().execute();
    expect(scored.map((s) => s.model_version_id)).toEqual([serving]);

    await decideAudited(t.client, db, runId, { decision: 'approve', reviewer: 'ana', reason: 'promote what passed' });
    expect((await handle.result()).status).toBe('completed');
    const champions = await db.db.selectFrom('model_alias_events').select('family').where('run_id', '=', runId).where('alias', '=', 'champion').orderBy('family').execute();
    expect(champions.map((c) => c.family)).toEqual([...(verdict.promote as string[])].sort());
    const after = await db.db.selectFrom('model_alias_events').select(['model_version_id']).where('family', '=', 'renewal').where('alias', '=', 'champion').orderBy('id', 'desc').executeTakeFirst();
    expect(after?.model_version_id).toBe(before?.model_version_id);
    const audited = await db.db.selectFrom('audit_log').select(['action']).where('run_id', '=', runId).where('action', 'like', 'gate.%').execute();
    expect(audited.map((a) => a.action)).toEqual(['gate.passed']);
  });

  it('asks no approval when nothing passed the gate, applies a budget within guardrails and logs it', async () => {
    // A verdict on record before the gate runs is the one the run keeps (the gate writes once): here, nothing passed.
    // Drift thresholds nothing meets: drift, like a promotion, would need a reviewer.
    const quiet = { pValue: 1e-300, distance: 1e6, psiWarn: 1e6, psiDrift: 1e6, rowCountZ: 1e6 };
    // A budget that moves (taken at a majority of the model's draws, as above), within the guardrails that need no one.
    const { runId, handle } = await start('dee', config({ approvals: { largeBudgetMove: { share: 1, required: 2 } }, drift: quiet, budget: { minConfidence: 0.5 } }), async (id) => {
      await db.db.insertInto('gate_verdicts').values({ run_id: id, passed: false, promote: '[]', families: '{}', checks: '[]', thresholds: '{}' }).execute();
    });
    const result = await handle.result();
    const request = await db.db.selectFrom('approval_requests').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
    expect(request.required_approvers).toBe(0);
    expect(result.status).toBe('completed');
    expect(result.decision).toBeUndefined();
    const promoted = await db.db.selectFrom('model_alias_events').select('family').where('run_id', '=', runId).where('alias', '=', 'champion').execute();
    expect(promoted).toEqual([]);
    const applied = await db.db.selectFrom('audit_log').select(['actor', 'reason']).where('run_id', '=', runId).where('action', '=', 'budget.applied').executeTakeFirstOrThrow();
    expect(applied.actor).toBe('acvloop');
    expect(applied.reason).toMatch(/applied without sign-off/);
    const published = await db.db.selectFrom('publications').select('outputs').where('run_id', '=', runId).executeTakeFirstOrThrow();
    expect((published.outputs as any).signedOffBy).toBe('acvloop');
  });
});

describe('drift at the gate', () => {
  it('shows a drifted drop\'s planted features to the reviewer and asks sign-off for them', async () => {
    const drifted = await smallDrop({ seed: 11, drift: true, accounts: 1200 });
    try {
      const truth = JSON.parse(fs.readFileSync(path.join(drifted.dir, 'truth.json'), 'utf8'));
      const { runId } = await startCycle(t.client, {
        month: drifted.month, dropPath: drifted.dir, dropSha256: drifted.sha256, requestedBy: 'dee', heartbeatTimeoutMs: 10_000, config: config(),
      }, { rerun: true, taskQueue: t.taskQueue });
      const handle = t.client.workflow.getHandle(runId);
      const atApproval = await untilApprovalOrEnd(handle);
      const driftStage = atApproval.stages.find((s) => s.name === 'drift')!;
      expect(driftStage.status).toBe('completed');
      expect((driftStage.summary as any).retrainForced).toBe(true);
      const request = await db.db.selectFrom('approval_requests').select(['sign_off', 'required_approvers']).where('run_id', '=', runId).executeTakeFirstOrThrow();
      const shown = (request.sign_off as any).drift.driftedFeatures as string[];
      // Planted (truth.json) and found: the deal sizes and the new lead source at least.
      const planted = (truth.drift.features as { source: string; feature: string }[]).map((f) => `${f.source}.${f.feature}`);
      expect(planted).toEqual(expect.arrayContaining(['opportunities.amount_usd', 'opportunities.lead_source']));
      expect(shown).toEqual(expect.arrayContaining(['opportunities.amount_usd', 'opportunities.lead_source']));
      expect(request.required_approvers).toBeGreaterThanOrEqual(1);
      await decideAudited(t.client, db, runId, { decision: 'reject', reviewer: 'ana', reason: 'drifted drop: investigate before promoting' });
      expect((await handle.result()).status).toBe('rejected');
    } finally {
      drifted.cleanup();
    }
  });
});

describe('the registry', () => {
  it('rolls a champion back to its baseline as an audited alias move, refusing a viewer and a version never champion', async () => {
    const cfg = config();
    const current = await db.db.selectFrom('model_alias_events').select(['model_version_id']).where('family', '=', 'survival').where('alias', '=', 'champion').orderBy('id', 'desc').executeTakeFirstOrThrow();
    await expect(rollbackTo(db, cfg, { version: 'baseline/survival', by: 'cy', reason: 'x' })).rejects.toThrow(/cy is a viewer/);
    const challengerOnly = await db.db.selectFrom('model_versions').select('model_version_id').where('family', '=', 'renewal').where('run_id', '!=', 'baseline')
      .where('model_version_id', 'not in', db.db.selectFrom('model_alias_events').select('model_version_id').where('alias', '=', 'champion')).executeTakeFirstOrThrow();
    await expect(rollbackTo(db, cfg, { version: challengerOnly.model_version_id, by: 'ana', reason: 'x' })).rejects.toThrow(/was never champion/);
    const moved = await rollbackTo(db, cfg, { version: 'baseline/survival', by: 'ana', reason: 'curves look off after the October drop' });
    expect(moved).toMatchObject({ family: 'survival', from: current.model_version_id, to: 'baseline/survival', actor: 'ana' });
    const entry = await db.db.selectFrom('audit_log').selectAll().where('action', '=', 'alias.rollback').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(entry.before).toEqual({ family: 'survival', alias: 'champion', version: current.model_version_id });
    expect(entry.after).toEqual({ family: 'survival', alias: 'champion', version: 'baseline/survival' });
    expect(entry.model_version_id).toBe('baseline/survival');
    // And back again: the earlier champion is a valid rollback target.
    await rollbackTo(db, cfg, { version: current.model_version_id!, by: 'bo', reason: 'false alarm' });
  });
});

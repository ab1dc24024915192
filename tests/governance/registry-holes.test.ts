import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { inLockedTransaction } from '../../store/transaction';
import { moveAlias } from '../../store/model-registry';
import { configSchema } from '../../config/schema';
import { listVersions, promoteVersion } from '../../governance/registry-commands';
import { acvloop } from '../helpers/cli';
import { suiteDb } from '../helpers/db';
import { depsFor, type TestDb } from '../activities/support';

/**
 * Issue 12, the registry's holes, on a real Postgres with the activities and
 * registry commands called as the worker and the CLI call them:
 * - a rejected or expired run's versions are never promoted without
 *   --override-gate, whoever asks, and each refusal is audited;
 * - a rejected or expired run gives up the `challenger` alias;
 * - a backfilled older month publishes without taking the champion from a
 *   newer month's run, unless a reviewer asked for it;
 * - a run's "what changed" compares it with the last approved run before its month.
 */
let db: TestDb;
const acts = () => createActivities(depsFor(db));
const OPEN = configSchema.parse({}); // no reviewers: anyone named may decide (the demo)
const FAMILIES = ['forecast', 'renewal'] as const;

const AUG = 'cycle-2026-08-aaaaaaaaaaaa-v1';
const OCT = 'cycle-2026-10-bbbbbbbbbbbb-v1';
const SEP = 'cycle-2026-09-cccccccccccc-v1';
const SEP2 = 'cycle-2026-09-cccccccccccc-v2';
const REJECTED = 'cycle-2026-07-dddddddddddd-v1';
const EXPIRED = 'cycle-2026-06-eeeeeeeeeeee-v1';
const LATER = 'cycle-2026-07-ffffffffffff-v1';
const OLDER = 'cycle-2026-05-999999999999-v1';

/** A run and its two model versions, each passed by its gate, created at `created` (the order runs arrive in). */
async function addRun(runId: string, month: string, created: string) {
  await db.pool.query(`insert into runs (run_id, month, drop_path, drop_sha256, version, requested_by, seed, code_version, created_at)
    values ($1, $2, '/drops/' || $2, $3, 1, 'dana', 1, 'test', $4)`, [runId, month, `sha-${runId}`, created]);
  for (const family of FAMILIES) {
    await db.pool.query(`insert into model_versions (model_version_id, run_id, family, params, metrics, training_batch_id, code_version, training_files)
      values ($1, $2, $3, '{"kind":"logistic"}', '{}', 'batch', 'test', '[]')`, [`${runId}/${family}`, runId, family]);
  }
  await db.pool.query(`insert into gate_verdicts (run_id, passed, promote, families, checks, thresholds) values ($1, true, $2, $3, '[]', '{}')`, [runId,
    JSON.stringify(FAMILIES), JSON.stringify(Object.fromEntries(FAMILIES.map((f) => [f, { passed: true, reason: 'every check passed', version: `${runId}/${f}` }])))]);
}

/** What the gate does: the run's versions become challenger. */
const makeChallenger = (runId: string) => inLockedTransaction(depsFor(db), 'registry', async (client) => {
  for (const family of FAMILIES) await moveAlias(client, { family, alias: 'challenger', to: `${runId}/${family}`, actor: 'acvloop', runId, reason: 'gate' });
});

/** An approved run as the workflow records it: the reviewer's decision (with or without asking to promote an older month), then the final one. */
async function approve(runId: string, reviewer: string, promote?: true) {
  const at = new Date().toISOString();
  await acts().recordReviewerDecision({ runId, decision: 'approved', reviewer, reason: 'checked', at, ...(promote ? { promote } : {}) });
  await acts().recordDecision({ runId, decision: 'approved', reviewer, reason: 'checked', at });
  await db.pool.query(`insert into approval_requests (run_id, required_approvers, budget_move_share, sign_off, changes, previous_run_id)
    values ($1, 1, null, '{}', '{}', null) on conflict do nothing`, [runId]);
}

const current = async (alias: 'champion' | 'challenger') => {
  const versions = await listVersions(db);
  return Object.fromEntries(FAMILIES.map((f) => [f, versions.find((v) => v.family === f && v.aliases.includes(alias))?.version ?? null]));
};
const audit = async (action: string) =>
  (await db.pool.query('select actor, run_id, before, after, reason, model_version_id from audit_log where action = $1 order by id', [action])).rows;

beforeAll(async () => {
  db = await suiteDb('registry_holes');
  await addRun(AUG, '2026-08', '2026-09-02T00:00:00Z');
  await addRun(EXPIRED, '2026-06', '2026-09-03T00:00:00Z');
  await addRun(REJECTED, '2026-07', '2026-09-04T00:00:00Z');
  await addRun(LATER, '2026-07', '2026-09-05T00:00:00Z');
  await addRun(OLDER, '2026-05', '2026-09-06T00:00:00Z');
  await addRun(OCT, '2026-10', '2026-11-02T00:00:00Z');
  await addRun(SEP, '2026-09', '2026-11-15T00:00:00Z');
  await addRun(SEP2, '2026-09', '2026-11-20T00:00:00Z');
});

afterAll(async () => {
  await db?.drop();
});

describe('a rejected or expired run gives up the challenger alias', () => {
  it('clears it when the reviewers reject the run, once, audited', async () => {
    await makeChallenger(REJECTED);
    expect(await current('challenger')).toEqual({ forecast: `${REJECTED}/forecast`, renewal: `${REJECTED}/renewal` });
    const decision = { runId: REJECTED, decision: 'rejected' as const, reviewer: 'erin', reason: 'paid search jump needs a lift test', at: new Date().toISOString() };
    await acts().recordDecision(decision);
    expect(await current('challenger')).toEqual({ forecast: null, renewal: null });
    const cleared = await audit('alias.cleared');
    expect(cleared).toEqual(FAMILIES.map((family) => ({
      actor: 'acvloop', run_id: REJECTED, before: { family, alias: 'challenger', version: `${REJECTED}/${family}` }, after: { family, alias: 'challenger', version: null },
      reason: 'run rejected by erin: paid search jump needs a lift test', model_version_id: `${REJECTED}/${family}`,
    })));
    // A retried activity moves nothing twice.
    await acts().recordDecision(decision);
    expect(await audit('alias.cleared')).toHaveLength(2);
    const events = await db.pool.query(`select count(*)::int as n from model_alias_events where alias = 'challenger' and run_id = $1`, [REJECTED]);
    expect(events.rows[0].n).toBe(4); // two moves by the gate, two clears
  });

  it('clears it when the run expires, and leaves a newer run\'s challenger alone', async () => {
    await makeChallenger(EXPIRED);
    await acts().recordExpiry({ runId: EXPIRED, at: new Date().toISOString() });
    expect(await current('challenger')).toEqual({ forecast: null, renewal: null });
    expect((await audit('alias.cleared')).filter((e) => e.run_id === EXPIRED).map((e) => e.reason))
      .toEqual(['run expired: no decision before the approval deadline', 'run expired: no decision before the approval deadline']);

    await makeChallenger(OLDER);
    await makeChallenger(LATER);
    await acts().recordDecision({ runId: OLDER, decision: 'rejected', reviewer: 'erin', reason: 'late', at: new Date().toISOString() });
    expect(await current('challenger')).toEqual({ forecast: `${LATER}/forecast`, renewal: `${LATER}/renewal` });
  });
});

describe('promoting a rejected or expired run\'s version', () => {
  it('is refused without --override-gate, whoever asks and with no reviewers listed, and the refusal is audited', async () => {
    await expect(promoteVersion(db, OPEN, { version: `${REJECTED}/renewal`, by: 'mallory', reason: 'I like it' }))
      .rejects.toThrow(`${REJECTED}/renewal comes from run ${REJECTED}, which erin rejected (paid search jump needs a lift test); pass --override-gate with a --reason to promote it anyway (recorded in the audit log)`);
    await expect(promoteVersion(db, OPEN, { version: `${EXPIRED}/forecast`, by: 'mallory', reason: 'I like it' }))
      .rejects.toThrow(`${EXPIRED}/forecast comes from run ${EXPIRED}, which expired without a decision; pass --override-gate with a --reason to promote it anyway (recorded in the audit log)`);
    expect(await current('champion')).toEqual({ forecast: null, renewal: null });
    const refused = await audit('alias.refused');
    expect(refused.map((e) => [e.actor, e.run_id, e.model_version_id, e.after])).toEqual([
      ['mallory', REJECTED, `${REJECTED}/renewal`, { move: 'promote', family: 'renewal', alias: 'champion', version: `${REJECTED}/renewal`, overrideGate: false }],
      ['mallory', EXPIRED, `${EXPIRED}/forecast`, { move: 'promote', family: 'forecast', alias: 'champion', version: `${EXPIRED}/forecast`, overrideGate: false }],
    ]);
    expect(refused[0].reason).toMatch(/which erin rejected/);
  });

  it('is refused through the CLI too (exit 1, in words), and goes through with --override-gate and a reason, recorded', async () => {
    const env = { DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema, ACVLOOP_CONFIG: '' };
    const cli = await acvloop(['models', 'promote', `${REJECTED}/forecast`, '--by', 'mallory', '--reason', 'trust me'], env);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/which erin rejected \(paid search jump needs a lift test\); pass --override-gate/);
    expect(await audit('alias.refused')).toHaveLength(3);

    const moved = await promoteVersion(db, OPEN, { version: `${REJECTED}/renewal`, by: 'erin', reason: 'the lift test came back', overrideGate: true });
    expect(moved).toMatchObject({ family: 'renewal', from: null, to: `${REJECTED}/renewal`,
      reason: 'the lift test came back [run rejected by erin overridden: paid search jump needs a lift test]' });
    expect((await audit('alias.promote')).map((e) => e.reason)).toEqual(['the lift test came back [run rejected by erin overridden: paid search jump needs a lift test]']);
  });
});

describe('a backfilled older month', () => {
  it('compares the run with the last approved run before its month, and its sign-off says the newer champion stays', async () => {
    await approve(AUG, 'erin');
    await acts().publish({ runId: AUG });
    await approve(OCT, 'erin');
    await acts().publish({ runId: OCT });
    expect(await current('champion')).toEqual({ forecast: `${OCT}/forecast`, renewal: `${OCT}/renewal` });

    const request = await acts().prepareApproval({ runId: SEP });
    expect(request.previousRunId).toBe(AUG);
    expect(request.changes.previousRunId).toBe(AUG);
    expect(request.signOff.champion).toEqual({
      moves: [], kept: FAMILIES.map((family) => ({ family, champion: `${OCT}/${family}`, month: '2026-10' })),
      text: `this run (2026-09) is older than the champion's run of 2026-10 (forecast, renewal): approving publishes its outputs and keeps that champion; ` +
        'approve with --promote-older (decide input promote: true) to make this run champion instead',
    });
    const requested = await audit('approval.requested');
    expect(requested.find((e) => e.run_id === SEP)!.reason).toMatch(/older than the champion's run of 2026-10/);
  });

  it('publishes its outputs but keeps the newer champion, audited, when approved without asking', async () => {
    await approve(SEP, 'erin');
    await acts().publish({ runId: SEP });
    expect(await current('champion')).toEqual({ forecast: `${OCT}/forecast`, renewal: `${OCT}/renewal` });
    const publication = await db.pool.query('select outputs from publications where run_id = $1', [SEP]);
    expect(publication.rows[0].outputs).toMatchObject({ promoted: [], kept: FAMILIES.map((family) => ({ family, champion: `${OCT}/${family}`, month: '2026-10' })) });
    expect((await audit('alias.kept')).map((e) => [e.run_id, e.model_version_id, e.reason])).toEqual(FAMILIES.map((family) => [SEP, `${SEP}/${family}`,
      `run ${SEP} (2026-09) is older than the champion's run ${OCT} (2026-10) and was approved without --promote-older: the champion stays`]));
  });

  it('becomes champion when a reviewer asked for it with the decision', async () => {
    await approve(SEP2, 'frank', true);
    const asked = await db.pool.query('select reviewer, promote_older from approval_decisions where run_id = $1', [SEP2]);
    expect(asked.rows).toEqual([{ reviewer: 'frank', promote_older: true }]);
    await acts().publish({ runId: SEP2 });
    expect(await current('champion')).toEqual({ forecast: `${SEP2}/forecast`, renewal: `${SEP2}/renewal` });
    const moves = (await audit('alias.move')).filter((e) => e.run_id === SEP2);
    expect(moves.map((e) => e.reason)).toEqual(FAMILIES.map(() => `approved run published (older than the champion's run ${OCT} of 2026-10: promoted as frank asked)`));
  });
});

import type { Db } from '../sql/db';
import { inLockedTransaction } from '../store/transaction';
import { writeAudit } from '../store/audit-log';
import { FAMILIES, moveAlias, type Alias } from '../store/model-registry';
import type { AcvloopConfig } from '../config/schema';

/**
 * What `acvloop models …` reads and does, over a database handle, so the
 * commands stay thin and the tests call the same code. Promotion and
 * rollback are alias moves (events plus audit entries), never updates.
 */
export interface VersionListing {
  version: string; family: string; runId: string; createdAt: string; codeVersion: string; trainingBatch: string;
  aliases: Alias[]; gate: { passed: boolean; reason: string } | null; baseline: boolean;
}

export async function listVersions(handle: Db, family?: string): Promise<VersionListing[]> {
  if (family && !(FAMILIES as readonly string[]).includes(family)) throw new Error(`--family takes one of ${FAMILIES.join(', ')}, not "${family}"`);
  let q = handle.db.selectFrom('model_versions').select(['model_version_id', 'family', 'run_id', 'created_at', 'code_version', 'training_batch_id']);
  if (family) q = q.where('family', '=', family);
  const versions = await q.orderBy('created_at').orderBy('model_version_id').execute();
  const aliases = await currentAliases(handle);
  const verdicts = new Map((await handle.db.selectFrom('gate_verdicts').select(['run_id', 'families']).execute()).map((v) => [v.run_id, v.families as any]));
  return versions.map((v) => ({
    version: v.model_version_id, family: v.family, runId: v.run_id, createdAt: new Date(v.created_at).toISOString(), codeVersion: v.code_version,
    trainingBatch: v.training_batch_id, aliases: (['champion', 'challenger'] as const).filter((a) => aliases.get(`${v.family}/${a}`) === v.model_version_id),
    gate: verdicts.get(v.run_id)?.[v.family] ? { passed: verdicts.get(v.run_id)[v.family].passed, reason: verdicts.get(v.run_id)[v.family].reason } : null,
    baseline: v.run_id === 'baseline',
  }));
}

/** family/alias -> the version it points at now (its latest move). */
async function currentAliases(handle: Db): Promise<Map<string, string | null>> {
  const rows = await handle.db.selectFrom('model_alias_events').select(['family', 'alias', 'model_version_id']).orderBy('id').execute();
  const out = new Map<string, string | null>();
  // A cleared alias (a rejected or expired run's challenger) points at no version.
  for (const r of rows) out.set(`${r.family}/${r.alias}`, r.model_version_id);
  return out;
}

/** A version id that names no model version. */
class UnknownVersion extends Error {}

export async function showVersion(handle: Db, version: string) {
  const v = await handle.db.selectFrom('model_versions').selectAll().where('model_version_id', '=', version).executeTakeFirst();
  if (!v) throw new UnknownVersion(`no model version ${version} (acvloop models list shows them)`);
  const listing = (await listVersions(handle, v.family)).find((x) => x.version === version)!;
  const backtests = await handle.db.selectFrom('backtests').select(['run_id', 'role', 'metric', 'value']).where('model_version_id', '=', version).orderBy('run_id').orderBy('metric').execute();
  const verdict = await handle.db.selectFrom('gate_verdicts').select(['checks', 'families']).where('run_id', '=', v.run_id).executeTakeFirst();
  const aliasHistory = await handle.db.selectFrom('model_alias_events').select(['id', 'alias', 'model_version_id', 'from_version_id', 'actor', 'reason', 'run_id', 'at'])
    .where((eb) => eb.or([eb('model_version_id', '=', version), eb('from_version_id', '=', version)])).orderBy('id').execute();
  return {
    ...listing,
    params: v.params, metrics: v.metrics, trainingFiles: v.training_files ?? [],
    backtests: backtests.map((b) => ({ runId: b.run_id, role: b.role, metric: b.metric, value: b.value })),
    gateChecks: verdict ? (verdict.checks as any[]).filter((c) => c.family === v.family) : [],
    aliasHistory: aliasHistory.map((e) => ({ alias: e.alias, from: e.from_version_id, to: e.model_version_id, actor: e.actor, reason: e.reason, runId: e.run_id, at: new Date(e.at).toISOString() })),
  };
}

/**
 * A refused alias move. Like a refused decision, it is an error to the
 * caller and an entry in the audit log (who asked, what, and why not).
 */
export class AliasMoveRefused extends Error {}

/** Only a listed approver may move an alias when the config lists reviewers. */
function mayDecide(config: AcvloopConfig, who: string): void {
  if (!who.trim()) throw new AliasMoveRefused('--by needs a name');
  if (!config.reviewers.length) return;
  const r = config.reviewers.find((x) => x.name === who);
  if (!r) throw new AliasMoveRefused(`${who} is not a reviewer in the config; only its approvers may move a model alias`);
  if (!r.roles.includes('approver')) throw new AliasMoveRefused(`${who} is a ${r.roles.join('/')} in the config; only an approver may move a model alias`);
}

export interface AliasChange { family: string; alias: Alias; from: string | null; to: string; actor: string; reason: string }

interface MoveAsked { move: 'promote' | 'rollback'; version: string; by: string; overrideGate?: boolean }

/** Runs a move; a refusal is written to the audit log before the caller hears it. */
async function auditRefusal<T>(handle: Db, asked: MoveAsked, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof AliasMoveRefused)) throw err;
    const v = await handle.db.selectFrom('model_versions').select(['family', 'run_id']).where('model_version_id', '=', asked.version).executeTakeFirst();
    await writeAudit(handle.pool, { actor: asked.by.trim() || '(unnamed)', action: 'alias.refused', runId: v?.run_id ?? null,
      after: { move: asked.move, family: v?.family ?? null, alias: 'champion', version: asked.version, overrideGate: asked.overrideGate === true },
      reason: err.message, modelVersion: v ? asked.version : null });
    throw err;
  }
}

/** The version to move; an unknown one is a refusal (audited), not a failure. */
async function versionToMove(handle: Db, version: string) {
  try {
    return await showVersion(handle, version);
  } catch (err) {
    throw err instanceof UnknownVersion ? new AliasMoveRefused(err.message) : err;
  }
}

/** How a run ended when nobody may publish it: rejected (by whom, why) or expired; null otherwise. */
async function unpublishableRun(handle: Db, runId: string): Promise<{ words: string; override: string } | null> {
  const r = await handle.pool.query<{ status: 'rejected' | 'expired'; reviewer: string | null; reason: string | null }>(
    `select o.status, a.reviewer, a.reason from run_outcomes o left join approvals a on a.run_id = o.run_id
      where o.run_id = $1 and o.status in ('rejected', 'expired')`, [runId]);
  const o = r.rows[0];
  if (!o) return null;
  if (o.status === 'expired') return { words: 'which expired without a decision', override: '[run expired without a decision overridden]' };
  const by = o.reviewer ?? 'its reviewers';
  return { words: `which ${by} rejected${o.reason ? ` (${o.reason})` : ''}`, override: `[run rejected by ${by} overridden${o.reason ? `: ${o.reason}` : ''}]` };
}

/**
 * Promote a version to champion. A version whose family failed its run's
 * gate, that comes from a run its reviewers rejected or that expired, or
 * that holds no model (an unavailable fit), is refused unless the override
 * is given, whoever asks (also with no reviewers listed); the override is
 * recorded in the audit entry. Every refusal is audited.
 */
export async function promoteVersion(handle: Db, config: AcvloopConfig, o: { version: string; by: string; reason: string; overrideGate?: boolean }): Promise<AliasChange> {
  return auditRefusal(handle, { move: 'promote', version: o.version, by: o.by, overrideGate: o.overrideGate }, async () => {
    mayDecide(config, o.by);
    if (!o.reason?.trim()) throw new AliasMoveRefused('a promotion needs --reason');
    const v = await versionToMove(handle, o.version);
    if ((v.params as any)?.kind === 'unavailable') throw new AliasMoveRefused(`${o.version} holds no model (${(v.params as any).reason}); it cannot be champion`);
    if (v.gate && !v.gate.passed && !o.overrideGate) {
      throw new AliasMoveRefused(`${o.version} failed its gate (${v.gate.reason}); pass --override-gate to promote it anyway (recorded in the audit log)`);
    }
    const unpublishable = v.baseline ? null : await unpublishableRun(handle, v.runId);
    if (unpublishable && !o.overrideGate) {
      throw new AliasMoveRefused(`${o.version} comes from run ${v.runId}, ${unpublishable.words}; pass --override-gate with a --reason to promote it anyway (recorded in the audit log)`);
    }
    const reason = [o.reason, v.gate && !v.gate.passed ? `[gate overridden: ${v.gate.reason}]` : '', unpublishable?.override ?? ''].filter(Boolean).join(' ');
    return move(handle, { family: v.family, version: o.version, by: o.by, reason, action: 'alias.promote', runId: v.runId });
  });
}

/**
 * Roll the champion of a family back to an earlier version: one that was
 * champion before, or the family's baseline. An audited alias move; a
 * refusal is audited too.
 */
export async function rollbackTo(handle: Db, config: AcvloopConfig, o: { version: string; by: string; reason: string }): Promise<AliasChange> {
  return auditRefusal(handle, { move: 'rollback', version: o.version, by: o.by }, async () => {
    mayDecide(config, o.by);
    if (!o.reason?.trim()) throw new AliasMoveRefused('a rollback needs --reason');
    const v = await versionToMove(handle, o.version);
    const wasChampion = v.aliasHistory.some((e) => e.alias === 'champion' && e.to === o.version);
    if (!v.baseline && !wasChampion) {
      throw new AliasMoveRefused(`${o.version} was never champion of ${v.family}: a rollback goes back to an earlier champion or to ${'baseline/' + v.family} (use promote for a new version)`);
    }
    if (v.aliases.includes('champion')) throw new AliasMoveRefused(`${o.version} is already the ${v.family} champion`);
    return move(handle, { family: v.family, version: o.version, by: o.by, reason: o.reason, action: 'alias.rollback', runId: v.runId });
  });
}

async function move(handle: Db, m: { family: string; version: string; by: string; reason: string; action: string; runId: string }): Promise<AliasChange> {
  // The same registry lock as the gate and publish take, so moves never interleave.
  const moved = await inLockedTransaction({ db: handle }, 'registry', (client) =>
    moveAlias(client, { family: m.family, alias: 'champion', to: m.version, actor: m.by, reason: m.reason, runId: m.runId, action: m.action }));
  return { family: m.family, alias: 'champion', from: moved.from, to: moved.to, actor: m.by, reason: m.reason };
}

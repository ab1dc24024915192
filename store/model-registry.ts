import type { Kysely } from 'kysely';
import type { PoolClient } from 'pg';
import type { Database } from '../sql/database';
import type { Db } from '../sql/db';
import { writeAudit } from './audit-log';
import { runById } from './runs';
import { typedOn } from './transaction';

/**
 * The model registry: immutable versions (model_versions, refused UPDATE and
 * DELETE by the database) and aliases (`champion`, `challenger`) whose
 * current target is their latest move in model_alias_events. A move is an
 * event with who, from what, to what and why, and an audit entry. Each
 * family has a conservative baseline version (`baseline/<family>`) that a
 * rollback can always fall back to.
 */
export const FAMILIES = ['attribution', 'incrementality', 'forecast', 'renewal', 'survival', 'accounts'] as const;
export type Family = (typeof FAMILIES)[number];
export type Alias = 'champion' | 'challenger';

export const baselineVersionId = (family: string) => `baseline/${family}`;
/** The version a run's retrain stores for a family. */
export const modelVersionId = (runId: string, family: string) => `${runId}/${family}`;

export interface AliasTarget { model_version_id: string; run_id: string; params: any; code_version: string }

/** The typed Database of a handle, or over a transaction's client (so a move reads what its transaction wrote). */
const typedOf = (q: { db: Db } | PoolClient): Kysely<Database> => ('db' in q ? q.db.db : typedOn(q));

/** The version an alias points at now, or null when it never moved. */
export async function aliasTarget(q: { db: Db } | PoolClient, family: string, alias: Alias): Promise<AliasTarget | null> {
  // The latest move decides, also when it cleared the alias (no version).
  const r = await typedOf(q)
    .selectFrom((eb) => eb.selectFrom('model_alias_events').select('model_version_id').where('family', '=', family).where('alias', '=', alias)
      .orderBy('id', 'desc').limit(1).as('e'))
    .innerJoin('model_versions as v', 'v.model_version_id', 'e.model_version_id')
    .select(['v.model_version_id', 'v.run_id', 'v.params', 'v.code_version'])
    .executeTakeFirst();
  return r ?? null;
}

export interface NewerChampion {
  family: string;
  /** The champion version now. */
  champion: string;
  /** The run it comes from, and that run's month (later than the run at hand). */
  runId: string;
  month: string;
}

/**
 * Per family, the current champion when it comes from a run of a later month
 * than `month`, in family order: one query (the latest champion move per
 * family, its version's run and month); a baseline has no run, so it is
 * never newer.
 */
export async function championsFromMonthsAfter(q: { db: Db } | PoolClient, month: string, families: readonly string[]): Promise<NewerChampion[]> {
  if (!families.length) return [];
  return typedOf(q)
    .selectFrom((eb) => eb.selectFrom('model_alias_events').distinctOn('family').select(['family', 'model_version_id'])
      .where('alias', '=', 'champion').where('family', 'in', [...families]).orderBy('family').orderBy('id', 'desc').as('l'))
    .innerJoin('model_versions as v', 'v.model_version_id', 'l.model_version_id')
    .innerJoin('runs as r', 'r.run_id', 'v.run_id')
    .select(['l.family', 'l.model_version_id as champion', 'r.run_id as runId', 'r.month'])
    .where('r.month', '>', month)
    .orderBy('l.family')
    .execute() as Promise<NewerChampion[]>;
}

export interface AliasMove {
  family: string; alias: Alias; to: string; actor: string; reason: string; runId: string; action?: string;
}

/**
 * Moves an alias inside the caller's transaction: an alias event and an
 * audit entry (before -> after, the model version, the drop's hash). The
 * caller holds the `registry` advisory lock so concurrent moves serialise.
 */
export async function moveAlias(client: PoolClient, m: AliasMove): Promise<{ from: string | null; to: string }> {
  const tx = typedOn(client);
  const version = await tx.selectFrom('model_versions').select(['family', 'run_id']).where('model_version_id', '=', m.to).executeTakeFirst();
  if (!version) throw new Error(`no model version ${m.to}`);
  if (version.family !== m.family) throw new Error(`${m.to} is a ${version.family} version, not ${m.family}`);
  const from = (await aliasTarget(client, m.family, m.alias))?.model_version_id ?? null;
  await tx.insertInto('model_alias_events')
    .values({ family: m.family, alias: m.alias, model_version_id: m.to, run_id: m.runId, actor: m.actor, reason: m.reason, from_version_id: from }).execute();
  // The drop the version learned from (its own run's), not the run that moves it.
  const drop = await runById(tx, version.run_id);
  await writeAudit(client, { actor: m.actor, action: m.action ?? 'alias.move', runId: m.runId,
    before: { family: m.family, alias: m.alias, version: from }, after: { family: m.family, alias: m.alias, version: m.to },
    reason: m.reason, modelVersion: m.to, dropSha256: drop?.drop_sha256 ?? null });
  return { from, to: m.to };
}

/**
 * Clears an alias that points at one of `runId`'s versions: an event to no
 * version, and an audit entry. An alias another run has taken since is left
 * alone, and a cleared one is not cleared twice, so a retry changes nothing.
 * The caller holds the `registry` advisory lock.
 */
export async function clearRunAlias(client: PoolClient, c: { family: string; alias: Alias; runId: string; actor: string; reason: string }): Promise<string | null> {
  const held = await aliasTarget(client, c.family, c.alias);
  if (!held || held.run_id !== c.runId) return null;
  await typedOn(client).insertInto('model_alias_events')
    .values({ family: c.family, alias: c.alias, model_version_id: null, run_id: c.runId, actor: c.actor, reason: c.reason, from_version_id: held.model_version_id })
    .execute();
  await writeAudit(client, { actor: c.actor, action: 'alias.cleared', runId: c.runId,
    before: { family: c.family, alias: c.alias, version: held.model_version_id }, after: { family: c.family, alias: c.alias, version: null },
    reason: c.reason, modelVersion: held.model_version_id });
  return held.model_version_id;
}

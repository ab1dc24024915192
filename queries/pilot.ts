import type { Db } from '../sql/db';
import { describeRunScope, isOrgWide, type RunScope } from '../lib/run-scope';
import { latestApprovedOrgWideRun, type Run } from '../store/runs';

/**
 * What `show` and the report say of a pilot run (issue 17, part 6): its
 * scope, and its KPIs beside those of the organisation-wide last approved
 * run, which a pilot never replaces.
 */
export interface PilotOverview {
  scope: RunScope;
  /** The scope as `--scope` takes it, e.g. `region=EMEA,segment=enterprise`. */
  described: string;
  /** The organisation-wide run read beside it: the latest approved and published one of its month or earlier; null when there is none. */
  orgWide: { runId: string; month: string } | null;
  /** Each KPI's overall value (its `all` row) in the pilot and in the organisation-wide run; null where a run has none. */
  kpis: { name: string; pilot: number | null; orgWide: number | null }[];
  /** Active contracts each run scored: the pilot's beside the organisation's. */
  contractsScored: { pilot: number; orgWide: number | null };
}

/**
 * The pilot overview of a run, or null for an organisation-wide run.
 * @example
 * const pilot = await pilotOverview(db, run); // { described: 'region=EMEA', orgWide: { runId: 'cycle-2026-10-…-v1', … }, kpis: [...] }
 */
export async function pilotOverview(handle: Pick<Db, 'db'>, run: Pick<Run, 'run_id' | 'month' | 'scope'>): Promise<PilotOverview | null> {
  if (isOrgWide(run.scope)) return null;
  const { db } = handle;
  const scope = run.scope as RunScope;
  const org = await latestApprovedOrgWideRun(db, run.month);
  const overall = async (runId: string) => new Map((await db.selectFrom('kpis').select(['name', 'value']).where('run_id', '=', runId)
    .where('dimension', '=', 'all').execute()).map((k) => [k.name, k.value === null ? null : Number(k.value)]));
  const scored = async (runId: string) => Number((await db.selectFrom('contract_scores').select((eb) => eb.fn.countAll().as('n'))
    .where('run_id', '=', runId).executeTakeFirstOrThrow()).n);
  const mine = await overall(run.run_id);
  const theirs = org ? await overall(org.run_id) : new Map<string, number | null>();
  const names = [...new Set([...mine.keys(), ...theirs.keys()])].sort();
  return {
    scope, described: describeRunScope(scope),
    orgWide: org ? { runId: org.run_id, month: org.month } : null,
    kpis: names.map((name) => ({ name, pilot: mine.get(name) ?? null, orgWide: theirs.get(name) ?? null })),
    contractsScored: { pilot: await scored(run.run_id), orgWide: org ? await scored(org.run_id) : null },
  };
}

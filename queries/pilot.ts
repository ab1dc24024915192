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
  /** Each KPI's overall value (its `all` row, USD) in the pilot and in the organisation-wide run; null where a run has none. */
  kpis: { name: string; pilot: number | null; orgWide: number | null }[];
  /** ACV per dollar spent by channel (the pilot's spend is its apportioned share) beside the organisation-wide run's. */
  acvPerDollar: { channel: string; pilot: number | null; orgWide: number | null }[];
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
  const values = async (runId: string, dimension: string, name?: string) => new Map((await db.selectFrom('kpis').select(['name', 'key', 'value'])
    .where('run_id', '=', runId).where('dimension', '=', dimension).$if(name !== undefined, (q) => q.where('name', '=', name!)).execute())
    .map((k) => [name === undefined ? k.name : k.key, k.value === null ? null : Number(k.value)]));
  const beside = (mine: Map<string, number | null>, theirs: Map<string, number | null>) =>
    [...new Set([...mine.keys(), ...theirs.keys()])].sort().map((key) => ({ key, pilot: mine.get(key) ?? null, orgWide: theirs.get(key) ?? null }));
  const none = new Map<string, number | null>();
  const scored = async (runId: string) => Number((await db.selectFrom('contract_scores').select((eb) => eb.fn.countAll().as('n'))
    .where('run_id', '=', runId).executeTakeFirstOrThrow()).n);
  const kpis = beside(await values(run.run_id, 'all'), org ? await values(org.run_id, 'all') : none);
  const perDollar = beside(await values(run.run_id, 'channel', 'acv_per_dollar'), org ? await values(org.run_id, 'channel', 'acv_per_dollar') : none);
  return {
    scope, described: describeRunScope(scope),
    orgWide: org ? { runId: org.run_id, month: org.month } : null,
    kpis: kpis.map(({ key, ...v }) => ({ name: key, ...v })),
    acvPerDollar: perDollar.map(({ key, ...v }) => ({ channel: key, ...v })),
    contractsScored: { pilot: await scored(run.run_id), orgWide: org ? await scored(org.run_id) : null },
  };
}

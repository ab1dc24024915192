import { fitRenewalModel, type RenewalDecision, type RenewalModel } from '../models/renewal';
import { FAMILIES, aliasTarget, baselineVersionId, clearRunAlias, type Family } from '../store/model-registry';
import { inLockedTransaction } from '../store/transaction';
import type { ActivityDeps } from './context';

/** A run that will never be published (rejected, expired) gives up the challenger alias of every family it holds. */
export async function clearChallengersOf(deps: ActivityDeps, runId: string, reason: string): Promise<void> {
  await inLockedTransaction(deps, 'registry', async (client) => {
    for (const family of FAMILIES) await clearRunAlias(client, { family, alias: 'challenger', runId, actor: 'acvloop', reason });
  });
}

/**
 * The renewal model a registry version stands for on these decisions: a
 * stored fit as it is, or the baseline (the shrunk renewal rate by segment)
 * fitted on the decisions at hand, since a baseline is a specification.
 */
export function renewalModelOf(params: any, decisions: readonly RenewalDecision[]): RenewalModel {
  if (params?.kind === 'baseline_rate') return fitRenewalModel(decisions, { minDecisions: Number.MAX_SAFE_INTEGER });
  return params as RenewalModel;
}

/** The families the run's backtest gate let through (null: a run from before the gate, whose own versions always serve). */
export async function gatePromotions(deps: ActivityDeps, runId: string): Promise<string[] | null> {
  const verdict = await deps.db.db.selectFrom('gate_verdicts').select('promote').where('run_id', '=', runId).executeTakeFirst();
  return verdict ? (verdict.promote as string[]) : null;
}

export interface ServingVersion { model_version_id: string; params: any; source: 'challenger' | 'champion' | 'baseline' }

/**
 * The version that serves a run's outputs for a family: the run's own
 * challenger when the gate let it through (or, for runs before the gate
 * existed, always), else the current champion, else the baseline.
 */
export async function servingVersion(deps: ActivityDeps, runId: string, family: Family, promote: readonly string[] | null): Promise<ServingVersion> {
  const { db } = deps.db;
  if (promote === null || promote.includes(family)) {
    const own = await db.selectFrom('model_versions').select(['model_version_id', 'params']).where('run_id', '=', runId).where('family', '=', family).executeTakeFirst();
    if (!own) throw new Error(`run ${runId} has no ${family} model version: retrain did not finish`);
    return { ...own, source: 'challenger' };
  }
  const champion = await aliasTarget(deps, family, 'champion');
  if (champion) return { model_version_id: champion.model_version_id, params: champion.params, source: champion.run_id === 'baseline' ? 'baseline' : 'champion' };
  const base = await db.selectFrom('model_versions').select(['model_version_id', 'params']).where('model_version_id', '=', baselineVersionId(family)).executeTakeFirstOrThrow();
  return { ...base, source: 'baseline' };
}

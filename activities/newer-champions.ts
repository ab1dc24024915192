import type { PoolClient } from 'pg';
import type { ActivityDeps } from './context';
import { championsFromMonthsAfter, type NewerChampion } from '../store/model-registry';

/**
 * A run older than the champion's run (by month; a schedule backfill of
 * September after October was approved) publishes its outputs but does not
 * take the champion from the newer month unless a reviewer asks for it with
 * the approval (`promote: true`, `acvloop approve --promote-older`). The
 * approval request says which will happen; publish decides by the same rule.
 */
export type { NewerChampion };

/** Per family, the current champion when it comes from a run of a later month than `month` (baselines have no month: never newer). */
export function championsNewerThan(q: ActivityDeps | PoolClient, month: string, families: readonly string[]): Promise<NewerChampion[]> {
  return championsFromMonthsAfter(q, month, families);
}

export interface ChampionOnApproval {
  /** Families whose champion approving moves to this run. */
  moves: string[];
  /** Families whose newer champion stays unless the approver asks otherwise. */
  kept: { family: string; champion: string; month: string }[];
  /** The sentence the sign-off shows (show, status, the report). */
  text: string;
}

/**
 * What approving does to the champions, in words.
 * @example
 * championOnApproval('2026-09', ['renewal'], [{ family: 'renewal', champion: 'cycle-2026-10-…/renewal', runId: 'cycle-2026-10-…', month: '2026-10' }]).text
 * // "this run (2026-09) is older than the champion's run of 2026-10 (renewal): approving publishes its outputs and keeps that champion; approve with --promote-older …"
 */
export function championOnApproval(month: string, promotion: readonly string[], newer: readonly NewerChampion[]): ChampionOnApproval {
  const kept = newer.filter((n) => promotion.includes(n.family)).map((n) => ({ family: n.family, champion: n.champion, month: n.month }));
  const moves = promotion.filter((f) => !kept.some((k) => k.family === f));
  const ask = 'approve with --promote-older (decide input promote: true)';
  const byMonth = [...new Set(kept.map((k) => k.month))].sort()
    .map((m) => `of ${m} (${kept.filter((k) => k.month === m).map((k) => k.family).join(', ')})`).join(' and ');
  const text = !promotion.length ? 'nothing to promote: every champion stays'
    : !kept.length ? `approving makes this run champion of ${moves.join(', ')}`
      : !moves.length ? `this run (${month}) is older than the champion's run ${byMonth}: approving publishes its outputs and keeps that champion; ${ask} to make this run champion instead`
        : `approving makes this run champion of ${moves.join(', ')}; it is older than the champion's run ${byMonth}, which stays unless you ${ask}`;
  return { moves, kept, text };
}

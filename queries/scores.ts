import type { Db } from '../sql/db';
import { runExists } from '../store/runs';

/** A run's contract scores, as `acvloop scores` and the demo's scores.csv give them. */
export interface ScoreRow {
  contract_id: string; account_id: string; renewal_probability: number; next_renewal_date: string | null;
  ltv_mean: number; ltv_p10: number; ltv_p50: number; ltv_p90: number; projected_arr: number; expected_expansion: number | null;
  /** How many values the LTV can take (it is a function of the renewals survived); null when continuous or not recorded. */
  ltv_outcomes: number | null;
}

export async function readScores(handle: Db, runId: string): Promise<ScoreRow[]> {
  if (!(await runExists(handle.db, runId))) throw new Error(`no run ${runId} in schema ${handle.schema}`);
  // next_renewal_date is text: sql/db.ts keeps date columns as Postgres sends them (YYYY-MM-DD).
  return handle.db.selectFrom('contract_scores')
    .select(['contract_id', 'account_id', 'renewal_probability', 'next_renewal_date', 'ltv_mean', 'ltv_p10', 'ltv_p50', 'ltv_p90', 'projected_arr', 'expected_expansion', 'ltv_outcomes'])
    .where('run_id', '=', runId).orderBy('contract_id').execute();
}

const SCORE_COLUMNS = ['contract_id', 'account_id', 'renewal_probability', 'next_renewal_date', 'ltv_mean', 'ltv_p10', 'ltv_p50', 'ltv_p90',
  'projected_arr', 'expected_expansion', 'ltv_outcomes'] as const;

/** `acvloop scores --csv`: one row per active contract, numbers to 4 decimals, text quoted where CSV needs it. */
export function scoresCsv(rows: readonly ScoreRow[]): string {
  const cell = (v: string | number | null) =>
    v === null ? '' : typeof v === 'number' ? String(round4(v)) : /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  let out = SCORE_COLUMNS.join(',') + '\n';
  for (const r of rows) out += SCORE_COLUMNS.map((c) => cell(r[c])).join(',') + '\n';
  return out;
}

const round4 = (n: number) => Math.round(n * 10000) / 10000;

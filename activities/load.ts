import type { DropRows } from '../contracts/rows';
import type { ActivityDeps } from './context';
import { heartbeat } from './context';
import { SOURCE_TABLES } from './validate';

/** Columns that come back from Postgres as text (numeric) and are numbers in the row types. */
const NUMERIC = new Set(['amount', 'amount_usd', 'total_value', 'total_value_usd', 'acv_usd', 'discount_pct',
  'cost_to_serve_annual', 'cost_to_serve_annual_usd']);

/**
 * Reads a batch's validated rows back into the typed rows the models take,
 * in line order so every run sees them in the same order.
 */
export async function loadSources<F extends keyof DropRows>(deps: ActivityDeps, batchId: string, files: readonly F[]): Promise<Pick<DropRows, F>> {
  const out = {} as Pick<DropRows, F>;
  for (const file of files) {
    const spec = SOURCE_TABLES[file];
    const cols = spec.columns as string[];
    const res = await deps.db.pool.query({
      text: `select ${cols.map((c) => `"${c}"`).join(', ')} from ${spec.table} where batch_id = $1 order by line`,
      values: [batchId],
    });
    for (const row of res.rows) {
      for (const c of cols) {
        const val = row[c];
        if (val === null) continue;
        if (NUMERIC.has(c)) row[c] = Number(val);
        else if (val instanceof Date) row[c] = val.toISOString();
      }
    }
    (out as any)[file] = res.rows;
    heartbeat({ loaded: file });
  }
  return out;
}

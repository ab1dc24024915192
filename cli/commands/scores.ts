import { openDb } from '../env';
import { readScores } from '../read-model';
import { printJson } from '../output';

export async function scoresCommand(runId: string, opts: { csv?: boolean; json?: boolean }): Promise<number> {
  const handle = await openDb();
  try {
    const rows = await readScores(handle, runId);
    if (opts.json) {
      printJson(rows);
      return 0;
    }
    const cols = ['contract_id', 'account_id', 'renewal_probability', 'ltv_p10', 'ltv_p50', 'ltv_p90', 'projected_arr'] as const;
    const cell = (v: string | number) => (typeof v === 'number' ? String(Math.round(v * 10000) / 10000) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    let out = cols.join(',') + '\n';
    for (const r of rows) out += cols.map((c) => cell(r[c])).join(',') + '\n';
    process.stdout.write(out);
    return 0;
  } finally {
    await handle.close();
  }
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateDrop } from '../../contracts';
import { generateDrop } from '../../generator/index';
import { scoreRenewals } from '../../models/renewal';

/**
 * Planted truth: the generator renews each contract with a known logistic
 * probability of its covariates (generator/params.ts RENEWAL) and writes, for
 * every contract active at the window end, P(renews at its next renewal) into
 * truth.json. The model is fitted on the decisions before asOf (as the cycle
 * does: asOf = the first day after the drop's last month) and scores the
 * active contracts; its probabilities must track the planted ones.
 * Thresholds (from the issue): Pearson r >= 0.5 and mean absolute error <= 0.11, on every seed.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** The first day after a YYYY-MM month: what the cycle calls asOf. */
function dayAfterMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
}

describe('renewal model recovers the planted renewal probabilities of active contracts', () => {
  it.each([42, 7, 2024])('seed %i (2000 accounts, 36 months): Pearson >= 0.5 and MAE <= 0.11', async (seed) => {
    const dir = mkdtempSync(join(tmpdir(), `acvloop-renewal-${seed}-`));
    dirs.push(dir);
    await generateDrop({ outDir: dir, seed, accounts: 2000, months: 36, end: '2026-10' });
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    const v = await validateDrop(dir);
    expect(v.ok).toBe(true);
    const asOf = dayAfterMonth(truth.months[1]);
    const { model, scores } = scoreRenewals(v.rows.contracts, v.rows.accounts, v.rows.usage, asOf);
    expect(model.kind).toBe('logistic');
    const planted: Record<string, number> = truth.renewal.activeContracts;
    const pairs = scores.filter((s) => planted[s.contract_id] !== undefined).map((s) => [s.p_renew, planted[s.contract_id]]);
    // Nearly every active contract the model sees is one the generator planted a probability for.
    expect(pairs.length).toBeGreaterThan(0.95 * Object.keys(planted).length);
    const r = pearson(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
    const mae = pairs.reduce((s, p) => s + Math.abs(p[0] - p[1]), 0) / pairs.length;
    console.log(`seed ${seed}: n=${pairs.length} pearson=${r.toFixed(3)} mae=${mae.toFixed(4)}`);
    expect(r).toBeGreaterThanOrEqual(0.5);
    expect(mae).toBeLessThanOrEqual(0.11);
  }, 60_000);
});

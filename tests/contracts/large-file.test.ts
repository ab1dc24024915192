import { describe, it, expect } from 'vitest';
import { validateDrop } from '../../contracts';
import { dropFor, writeBigTouchpoints } from './drops';

describe('a large file', () => {
  it('counts 200k touchpoints right, with orphans, duplicates and bad timestamps at known lines', async () => {
    const dir = dropFor(null);
    const expected = writeBigTouchpoints(dir, 200_000);
    const progress: number[] = [];
    const v = await validateDrop(dir, { onProgress: (file, rows) => file === 'touchpoints.csv' && progress.push(rows) });
    expect(v.errors).toEqual([]);
    const tp = v.files.find((f) => f.file === 'touchpoints.csv')!;
    const bad = expected.orphans + expected.duplicates + expected.badTimestamps;
    expect(tp.rowsRead).toBe(200_000);
    expect(tp.rowsQuarantined).toBe(bad);
    expect(tp.rowsAccepted).toBe(200_000 - bad);
    expect(v.rows.touchpoints).toHaveLength(200_000 - bad);
    const byRule = (rule: string) => v.quarantine.filter((q) => q.rule === rule);
    expect(byRule('touchpoints.account_id.references_accounts')).toHaveLength(expected.orphans);
    expect(byRule('touchpoints.touchpoint_id.unique')).toHaveLength(expected.duplicates);
    expect(byRule('touchpoints.occurred_at.type_ts')).toHaveLength(expected.badTimestamps);
    // Row i is on line i + 1: the first orphan is row 1000.
    expect(byRule('touchpoints.account_id.references_accounts')[0].line).toBe(1001);
    expect(byRule('touchpoints.touchpoint_id.unique')[0].message).toBe(
      'touchpoints.csv line 5000: touchpoint_id "T-4998" already appears on line 4999 (must be unique)',
    );
    expect(progress.at(-1)).toBe(200_000);
  });
});

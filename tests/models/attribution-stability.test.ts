import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateDrop } from '../../contracts';
import { generateDrop } from '../../generator/index';
import { attributeAcv } from '../../models/attribution-acv';
import { attributionStability, stabilityWindows } from '../../models/attribution-stability';
import { topParents } from '../../models/graph';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('attribution stability over time', () => {
  it('cuts four consecutive half-years ending at the run\'s month end (dates by hand)', () => {
    expect(stabilityWindows('2026-11-01')).toEqual([
      { from: '2024-11-01', to: '2025-05-01' }, { from: '2025-05-01', to: '2025-11-01' },
      { from: '2025-11-01', to: '2026-05-01' }, { from: '2026-05-01', to: '2026-11-01' },
    ]);
  });

  it('ranks channels period to period; thin periods and few channels give no comparison', () => {
    const w = (from: string, deals: number, byChannel: Record<string, number>) => ({ from, to: from, deals, acv: 0, byChannel });
    const s = attributionStability([
      w('a', 20, { email: 1, event: 2, search: 3 }),
      w('b', 20, { email: 10, event: 20, search: 30 }), // same order: 1
      w('c', 20, { email: 30, event: 20, search: 10 }), // reversed: -1
      w('d', 5, { email: 1, event: 2, search: 3 }), // too few deals
    ]);
    expect(s.pairs.map((p) => p.spearman)).toEqual([1, -1, null]);
    expect(s.mean).toBe(0);
    expect(s.min).toBe(-1);
    // A channel missing on one side counts 0 there: (3, 2, 1, 0)-ranked against (0, 1, 2, 3) by hand is -1.
    const missing = attributionStability([w('a', 20, { a: 3, b: 2, c: 1 }), w('b', 20, { b: 1, c: 2, d: 3 })]);
    expect(missing.pairs[0]).toMatchObject({ spearman: -1, channels: 4 });
  });

  it('credits each period exactly as attributing that period\'s deals alone would (a generated world, to 1e-9)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'acvloop-stab-'));
    dirs.push(dir);
    await generateDrop({ outDir: dir, seed: 3, accounts: 600, months: 30 });
    const { rows } = await validateDrop(dir);
    const input = { touches: rows.touchpoints, opportunities: rows.opportunities, contracts: rows.contracts, topParent: topParents(rows.accounts) };
    const windows = stabilityWindows('2026-11-01');
    const all = attributeAcv(input, { models: ['linear', 'position'], windows, windowModel: 'position' });
    for (const w of windows) {
      const alone = attributeAcv({ ...input, opportunities: rows.opportunities.filter((o) => o.created_at >= w.from && o.created_at < w.to) }, { models: ['position'] });
      const got = all.windows.find((x) => x.from === w.from)!;
      expect(got.deals).toBe(alone.new.conversions);
      const expected = Object.fromEntries(Object.entries(alone.new.models.position!.byChannel).map(([c, v]) => [c, v.acv]));
      expect(Object.keys(got.byChannel).sort()).toEqual(Object.keys(expected).sort());
      for (const c of Object.keys(expected)) expect(Math.abs(got.byChannel[c] - expected[c])).toBeLessThan(1e-9 * Math.max(1, expected[c]));
    }
    expect(all.windows.reduce((s, w) => s + w.deals, 0)).toBeGreaterThan(20);
  });
});

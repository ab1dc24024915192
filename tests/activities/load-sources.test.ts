import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDrop } from '../../contracts';
import type { ActivityDeps } from '../../activities/context';
import { loadSources } from '../../activities/load';
import { SOURCE_TABLES } from '../../sql/tables/sources';
import { copyRows } from '../../sql/copy';
import { dropFor } from '../contracts/drops';
import { suiteDb } from '../helpers/db';

let db: Awaited<ReturnType<typeof suiteDb>>;
let deps: ActivityDeps;
const BATCH = 'load-sources-batch';

// The validated base drop, COPYed into its source tables as validate does.
beforeAll(async () => {
  db = await suiteDb('load_sources');
  deps = { db, codeVersion: 'test' };
  const v = await validateDrop(dropFor(null));
  expect(v.ok).toBe(true);
  const client = await db.pool.connect();
  try {
    for (const file of ['accounts', 'touchpoints', 'contracts'] as const) {
      const spec = SOURCE_TABLES[file] as { table: string; columns: string[] };
      await copyRows(client, spec.table, ['batch_id', ...spec.columns], v.rows[file] as unknown as Record<string, unknown>[],
        (r) => [BATCH, ...spec.columns.map((c) => r[c])]);
    }
  } finally {
    client.release();
  }
});
afterAll(async () => { await db?.drop(); });

describe('loadSources with columns', () => {
  it('reads only the columns asked for, the same values and line order as the whole rows (exact)', async () => {
    const whole = await loadSources(deps, BATCH, ['accounts', 'touchpoints', 'contracts']);
    const some = await loadSources(deps, BATCH, ['accounts', 'touchpoints', 'contracts'], {
      touchpoints: ['account_id', 'occurred_at'],
      contracts: ['contract_id', 'acv_usd'],
    });
    expect(whole.touchpoints.length).toBeGreaterThan(0);
    expect(some.touchpoints).toEqual(whole.touchpoints.map((t) => ({ account_id: t.account_id, occurred_at: t.occurred_at })));
    expect(some.contracts).toEqual(whole.contracts.map((c) => ({ contract_id: c.contract_id, acv_usd: c.acv_usd })));
    expect(typeof some.contracts[0].acv_usd).toBe('number');
    // A file not named is read whole.
    expect(some.accounts).toEqual(whole.accounts);
    // @ts-expect-error: a column not asked for is not in the projected row type
    expect(some.touchpoints[0].channel).toBeUndefined();
  });

  it('gives every row back as validated: the same values (occurred_at as ISO-8601 UTC text), in line order (exact)', async () => {
    const v = await validateDrop(dropFor(null));
    const loaded = await loadSources(deps, BATCH, ['accounts', 'touchpoints', 'contracts']);
    expect(loaded.touchpoints).toEqual(v.rows.touchpoints.map((t) => ({ ...t, occurred_at: new Date(t.occurred_at).toISOString() })));
    expect(loaded.touchpoints.every((t) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(t.occurred_at))).toBe(true);
  });

  it('refuses a column the table does not have', async () => {
    await expect(loadSources(deps, BATCH, ['touchpoints'], { touchpoints: ['nope' as 'account_id'] })).rejects.toThrow(/touchpoints has no column\(s\) nope/);
  });
});

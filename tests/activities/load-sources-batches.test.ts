import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities/context';
import { loadSources } from '../../activities/load';
import type { TouchpointRow } from '../../contracts/touchpoints';
import { SOURCE_TABLES } from '../../sql/tables/sources';
import { copyRows } from '../../sql/copy';
import { suiteDb } from '../helpers/db';

let db: Awaited<ReturnType<typeof suiteDb>>;
let deps: ActivityDeps;
const BATCH = 'load-sources-batches';
// More rows than the cursor fetches in one round trip (10,000), so rows arrive in several batches.
const N = 25_003;

/** Touchpoints on 37 accounts (ids and channels repeat, some campaigns are null), stamped a minute apart. */
const touchpoints: TouchpointRow[] = Array.from({ length: N }, (_, i) => ({
  line: i + 2,
  touchpoint_id: `TP-${String(i).padStart(9, '0')}`,
  account_id: `ACC-${String(i % 37).padStart(6, '0')}`,
  contact_id: i % 5 === 0 ? null : `CON-${i % 37}-${i % 3}`,
  channel: ['email', 'webinar', 'paid_search'][i % 3],
  campaign_id: i % 4 === 0 ? null : `CMP-${i % 11}`,
  occurred_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
  kind: i % 2 ? 'online' : 'offline',
}));

// Written in reverse line order, so the rows come back in line order only because they are read that way.
beforeAll(async () => {
  db = await suiteDb('load_sources_batches');
  deps = { db, codeVersion: 'test' };
  const spec = SOURCE_TABLES.touchpoints;
  const client = await db.pool.connect();
  try {
    await copyRows(client, spec.table, ['batch_id', ...spec.columns], [...touchpoints].reverse(),
      (r) => [BATCH, ...spec.columns.map((c) => r[c])]);
  } finally {
    client.release();
  }
});
afterAll(async () => { await db?.drop(); });

describe('loadSources over more rows than one batch', () => {
  it('gives every row once, in line order, with the values written (exact)', async () => {
    const { touchpoints: loaded } = await loadSources(deps, BATCH, ['touchpoints']);
    expect(loaded).toEqual(touchpoints);
    const some = await loadSources(deps, BATCH, ['touchpoints'], { touchpoints: ['account_id', 'campaign_id'] });
    expect(some.touchpoints).toEqual(touchpoints.map((t) => ({ account_id: t.account_id, campaign_id: t.campaign_id })));
  });

  it('leaves the pool with every connection free for the next query', async () => {
    await loadSources(deps, BATCH, ['touchpoints']);
    expect(db.pool.waitingCount).toBe(0);
    expect(db.pool.totalCount).toBe(db.pool.idleCount);
  });
});

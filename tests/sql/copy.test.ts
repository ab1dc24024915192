import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRows, openCopy } from '../../sql/copy';
import { suiteDb } from '../helpers/db';

let db: Awaited<ReturnType<typeof suiteDb>>;
beforeAll(async () => { db = await suiteDb('copy'); });
afterAll(async () => { await db?.drop(); });

// Text that COPY's text format must escape, and text it must leave alone.
const NASTY = ['plain', 'back\\slash', 'tab\there', 'line\nbreak', 'cr\rlf\r\n', '\\N', 'N', '"quoted, with comma"', '=SUM(A1:A2)', 'ünïcødé ✓', ''];

describe('COPY text format', () => {
  it('round-trips every awkward value, NULLs and numbers, through both writers', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('create temp table t (k int, s text, j jsonb, n double precision)');
      const rows = NASTY.map((s, i) => [i, s, { s, arr: [s] }, i === 3 ? null : i / 7] as const);
      await copyRows(client, 't', ['k', 's', 'j', 'n'], rows, (r) => r);
      const w = openCopy(client, 't', ['k', 's', 'j', 'n']);
      for (const r of rows) w.push([r[0] + 100, r[1], r[2], r[3]]);
      w.push([999, null, null, null]);
      expect(await w.end()).toBe(rows.length + 1);
      const back = (await client.query('select k, s, j, n from t order by k')).rows;
      const expected = [
        ...rows.map((r) => ({ k: r[0], s: r[1], j: r[2], n: r[3] })),
        ...rows.map((r) => ({ k: r[0] + 100, s: r[1], j: r[2], n: r[3] })),
        { k: 999, s: null, j: null, n: null },
      ];
      expect(back).toEqual(expected);
    } finally {
      client.release();
    }
  });

  it('rejects a non-finite number instead of writing it', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('create temp table u (n double precision)');
      await expect(copyRows(client, 'u', ['n'], [[Number.NaN]], (r) => r)).rejects.toThrow(/non-finite/);
    } finally {
      client.release();
    }
  });
});

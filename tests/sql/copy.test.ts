import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyLineWriter, copyRows, copyTextCell, openCopy } from '../../sql/copy';
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

  it('a line writer and pushText store what push stores (exact round trip)', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('create temp table w (p text, k int, s text, n double precision)');
      const rows = NASTY.map((s, i) => ({ k: i, s, n: i === 3 ? null : i / 7, ignored: 'x' }));
      const line = copyLineWriter(['k', 's', 'n']);
      const w = openCopy(client, 'w', ['p', 'k', 's', 'n']);
      for (const r of rows) w.pushText(line(r, `${copyTextCell('pre\tfix')}\t`));
      expect(await w.end()).toBe(rows.length);
      const back = (await client.query('select p, k, s, n from w order by k')).rows;
      expect(back).toEqual(rows.map((r) => ({ p: 'pre\tfix', k: r.k, s: r.s, n: r.n })));
    } finally {
      client.release();
    }
  });

  it('ready() waits while Postgres has not taken the queued chunks, and a million rows arrive whole', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('create temp table big (k int, s text)');
      const w = openCopy(client, 'big', ['k', 's']);
      let waits = 0;
      for (let i = 0; i < 1_000_000; i++) {
        w.push([i, 'some text to fill the chunks']);
        if (i % 10_000 === 0) {
          const r = w.ready();
          if (r) {
            waits++;
            await r;
          }
        }
      }
      expect(await w.end()).toBe(1_000_000);
      expect(waits).toBeGreaterThan(0);
      expect((await client.query('select count(*)::int as n, sum(k)::bigint as s from big')).rows[0]).toEqual({ n: 1_000_000, s: String(999_999 * 1_000_000 / 2) });
    } finally {
      client.release();
    }
  });

  it('abort() cancels the COPY: nothing lands and the connection goes on', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('create temp table a (k int)');
      const w = openCopy(client, 'a', ['k']);
      for (let i = 0; i < 100_000; i++) w.push([i]);
      await w.abort();
      expect((await client.query('select count(*)::int as n from a')).rows[0].n).toBe(0);
    } finally {
      client.release();
    }
  });
});

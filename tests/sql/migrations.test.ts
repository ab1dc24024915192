/**
 * Guarantees the database gives by itself: the audit log is append-only
 * (enforced by Postgres, whoever connects), and migrations are idempotent.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, migrate, type Db } from '../../sql/db';
import { migrations } from '../../sql/migrations';
import { suiteDb } from '../helpers/db';
import { count, registerRun, type TestDb } from '../activities/support';

let db: TestDb;

beforeAll(async () => {
  db = await suiteDb('act_db');
});

afterAll(async () => {
  await db?.drop();
});

describe('audit_log is append-only in Postgres itself', () => {
  const fakeDrop = { dir: '/nonexistent/drop', sha256: 'f'.repeat(64), month: '2026-10' };

  beforeAll(async () => {
    // Registering a run writes its audit entry; two runs give two rows to try to change.
    await registerRun(db, 'audit-1', fakeDrop, 'alice');
    await registerRun(db, 'audit-2', fakeDrop, 'bob');
  });

  it('holds the entries the activities wrote, once each', async () => {
    await registerRun(db, 'audit-1', fakeDrop, 'alice'); // a retried registration
    const rows = await db.pool.query('select actor, action, run_id from audit_log order by id');
    expect(rows.rows).toEqual([
      { actor: 'alice', action: 'run.requested', run_id: 'audit-1' },
      { actor: 'bob', action: 'run.requested', run_id: 'audit-2' },
    ]);
  });

  it('rejects UPDATE', async () => {
    await expect(db.pool.query(`update audit_log set actor = 'mallory'`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`update audit_log set reason = 'tidy' where run_id = 'audit-2'`)).rejects.toThrow(/append-only/);
  });

  it('rejects DELETE', async () => {
    await expect(db.pool.query('delete from audit_log')).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`delete from audit_log where run_id = 'audit-1'`)).rejects.toThrow(/append-only/);
  });

  it('rejects TRUNCATE', async () => {
    await expect(db.pool.query('truncate audit_log')).rejects.toThrow(/append-only/);
    await expect(db.pool.query('truncate table audit_log restart identity cascade')).rejects.toThrow(/append-only/);
  });

  it('rejects them inside a transaction too, and the entries survive every attempt', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await expect(client.query('delete from audit_log')).rejects.toThrow(/append-only/);
      await client.query('rollback');
    } finally {
      client.release();
    }
    // Through the typed query builder, as application code would try it.
    await expect(db.db.deleteFrom('audit_log').where('run_id', '=', 'audit-2').execute()).rejects.toThrow(/append-only/);
    expect(await count(db, 'audit_log')).toBe(2);
    const rows = await db.pool.query('select actor, reason from audit_log order by id');
    expect(rows.rows).toEqual([{ actor: 'alice', reason: null }, { actor: 'bob', reason: null }]);
  });

  it('still takes new entries', async () => {
    await db.pool.query(`insert into audit_log (actor, action, run_id) values ('carol', 'note', 'audit-2')`);
    expect(await count(db, 'audit_log')).toBe(3);
  });
});

describe('migrations', () => {
  const all = Object.keys(migrations).sort();

  it('a second migrate() applies nothing', async () => {
    const again = await migrate(db);
    expect(again).toEqual({ applied: [], alreadyApplied: all.length });
    const third = await migrate(db);
    expect(third).toEqual({ applied: [], alreadyApplied: all.length });
  });

  it('a fresh schema gets every migration once, then nothing', async () => {
    const handle = connect({ url: inject('databaseUrl'), schema: `t_act_mig_${randomBytes(3).toString('hex')}` });
    try {
      expect(await migrate(handle)).toEqual({ applied: all, alreadyApplied: 0 });
      expect(await migrate(handle)).toEqual({ applied: [], alreadyApplied: all.length });
      const tables = await handle.pool.query(
        `select count(*)::int as n from information_schema.tables where table_schema = $1 and table_name = 'audit_log'`, [handle.schema]);
      expect(tables.rows[0].n).toBe(1);
    } finally {
      await dropSchema(handle);
    }
  });

  /** Starts two migrators at once on a new schema (created first when `precreate`); returns both results. */
  async function racedMigrators(precreate: boolean) {
    const schema = `t_act_migc_${randomBytes(3).toString('hex')}`;
    const a = connect({ url: inject('databaseUrl'), schema });
    const b = connect({ url: inject('databaseUrl'), schema });
    try {
      if (precreate) await sql`create schema ${sql.id(schema)}`.execute(a.db);
      // Both settle before the schema is dropped; a rejection is reported with its reason.
      const settled = await Promise.allSettled([migrate(a), migrate(b)]);
      const failures = settled.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      expect(failures).toEqual([]);
      const [ra, rb] = settled.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof migrate>>>).value);
      const done = await a.pool.query(`select name from "${schema}".kysely_migration order by name`);
      return { ra, rb, recorded: done.rows.map((r) => r.name) };
    } finally {
      await b.close();
      await dropSchema(a);
    }
  }

  it('two migrators starting together on an existing empty schema apply each migration exactly once', async () => {
    for (let i = 0; i < 3; i++) {
      const { ra, rb, recorded } = await racedMigrators(true);
      expect([...ra.applied, ...rb.applied].sort()).toEqual(all);
      expect(ra.alreadyApplied + rb.alreadyApplied).toBe(all.length);
      expect(recorded).toEqual(all);
    }
  });

  // A worker and a CLI starting together on a new database (sql/db.ts says they serialize).
  it('two migrators starting together on a schema that does not exist yet both succeed', async () => {
    for (let i = 0; i < 5; i++) {
      const { ra, rb, recorded } = await racedMigrators(false);
      expect([...ra.applied, ...rb.applied].sort()).toEqual(all);
      expect(recorded).toEqual(all);
    }
  });
});

async function dropSchema(handle: Db): Promise<void> {
  await sql`drop schema if exists ${sql.id(handle.schema)} cascade`.execute(handle.db);
  await handle.close();
}

import { sql } from 'kysely';
import { Client, type Pool, type PoolClient } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { copyRows, openCopy } from '../../sql/copy';
import { connect, type Db } from '../../sql/db';
import { databaseAddress, isDatabaseUnavailable, unavailableReason } from '../../sql/outage';

const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', err('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), 'ECONNREFUSED'],
    ['a reset', err('read ECONNRESET', 'ECONNRESET'), 'ECONNRESET'],
    ['a timeout', err('connect ETIMEDOUT 10.0.0.1:5432', 'ETIMEDOUT'), 'ETIMEDOUT'],
    ['a broken pipe', err('write EPIPE', 'EPIPE'), 'EPIPE'],
    ['a dropped connection', err('Connection terminated unexpectedly'), 'Connection terminated unexpectedly'],
    ['a connect timeout', err('Connection terminated due to connection timeout'), 'Connection terminated due to connection timeout'],
    ['the pool giving up', err('timeout exceeded when trying to connect'), 'timeout exceeded when trying to connect'],
    ['a client broken earlier', err('Client has encountered a connection error and is not queryable'), 'Client has encountered a connection error and is not queryable'],
    ['an admin shutdown', err('terminating connection due to administrator command', '57P01'), '57P01 terminating connection due to administrator command'],
    ['a crash shutdown', err('terminating connection because of crash of another server process', '57P02'), '57P02 terminating connection because of crash of another server process'],
    ['a server starting up', err('the database system is starting up', '57P03'), '57P03 the database system is starting up'],
    ['a connection exception (class 08)', err('connection failure', '08006'), '08006 connection failure'],
    ['a cause', Object.assign(new Error('stage failed'), { cause: err('read ECONNRESET', 'ECONNRESET') }), 'ECONNRESET'],
    ['one of an AggregateError', new AggregateError([err('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''), 'ECONNREFUSED'],
  ])('is true for %s', (_, e, reason) => {
    expect(isDatabaseUnavailable(e)).toBe(true);
    expect(unavailableReason(e)).toBe(reason);
  });

  it.each([
    ['a missing table', err('relation "x" does not exist', '42P01')],
    ['a unique violation', err('duplicate key value violates unique constraint', '23505')],
    ['a query cancelled by statement_timeout', err('canceling statement due to statement timeout', '57014')],
    ['an unknown host (a misconfiguration, not an outage)', err('getaddrinfo ENOTFOUND db', 'ENOTFOUND')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['not an error', 'Connection terminated'],
    ['nothing', undefined],
  ])('is false for %s', (_, e) => {
    expect(isDatabaseUnavailable(e)).toBe(false);
  });

  it('names the server by host and port, never by its password', () => {
    expect(databaseAddress('postgres://u:secret@db.internal/acv')).toBe('db.internal:5432');
    expect(databaseAddress('postgres://u@127.0.0.1:6543/acv')).toBe('127.0.0.1:6543');
    expect(databaseAddress('postgres:///acv?host=/var/run/postgresql')).toBe('/var/run/postgresql:5432');
  });
});

/**
 * On the shared Postgres: only this pool's own backends are terminated, from
 * a connection of the test's own.
 */
describe('a pool whose connections the server ends', () => {
  let admin: Client;
  let handle: Db;
  let logged: string[];
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => { uncaught.push(e); };

  beforeAll(async () => {
    admin = new Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
    // Seen here as well as by vitest: the test names the failure rather than only the run failing.
    process.on('uncaughtException', onUncaught);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await admin?.end();
  });
  afterEach(async () => {
    await handle?.close();
    expect(uncaught).toEqual([]);
  });

  const open = () => {
    logged = [];
    // The schema need not exist: these tests run `select`s only.
    handle = connect({ url: inject('databaseUrl'), schema: 't_owner', max: 4, log: (m) => logged.push(m) });
    return handle;
  };
  const terminate = async (pids: number[]) => {
    const r = await admin.query('select count(*)::int as n from unnest($1::int[]) as p(pid) where pg_terminate_backend(pid)', [pids]);
    expect(r.rows[0].n).toBe(pids.length);
  };
  const pidOf = async (c: { query: Client['query'] }) => (await c.query('select pg_backend_pid() as pid')).rows[0].pid as number;
  const settle = () => new Promise((r) => setTimeout(r, 300));
  /** What `copy` (into a temp table c (n, s), on a connection of the pool whose backend pid it is given) failed with; the connection is then released as broken. */
  const copyFailure = async (pool: Pool, copy: (client: PoolClient, pid: number) => Promise<unknown>) => {
    const client = await pool.connect();
    let failure: unknown = null;
    try {
      await client.query('create temp table c (n int, s text)');
      failure = await copy(client, await pidOf(client));
    } finally {
      client.release(failure as Error);
    }
    return failure;
  };

  it('survives its idle connections being ended, reports it once, and the next query works', async () => {
    const { pool, db } = open();
    const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    const pids = await Promise.all(clients.map(pidOf));
    for (const c of clients) c.release();
    await terminate(pids);
    await settle();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/lost the connection to the database at .+:\d+ \(57P01 terminating connection due to administrator command\)/);
    const r = await sql<{ one: number }>`select 1 as one`.execute(db);
    expect(r.rows).toEqual([{ one: 1 }]);
    expect(pids).not.toContain(await pidOf(pool));
  });

  it('survives a checked-out connection being ended between queries; its next query fails as unavailable', async () => {
    const { pool } = open();
    const client = await pool.connect();
    // pg-pool listens for errors only on idle clients: without an owner, this is what crashed the worker.
    expect(client.listenerCount('error')).toBeGreaterThan(0);
    await terminate([await pidOf(client)]);
    await settle();
    const failure = await client.query('select 1').then(() => null, (e: unknown) => e);
    expect(isDatabaseUnavailable(failure), String((failure as Error | null)?.stack ?? failure)).toBe(true);
    client.release(failure as Error);
    expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails a kysely transaction whose connection is ended, as unavailable, and the next one works', async () => {
    const { db, pool } = open();
    const failure = await db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      await terminate([rows[0].pid]);
      await settle();
      await sql`select 1`.execute(trx);
    }).then(() => null, (e: unknown) => e);
    expect(isDatabaseUnavailable(failure), String((failure as Error | null)?.stack ?? failure)).toBe(true);
    expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails a COPY whose connection is ended mid-stream, as unavailable', async () => {
    const { pool } = open();
    const failure = await copyFailure(pool, async (client, pid) => {
      const w = openCopy(client, 'c', ['n', 's']);
      for (let i = 0; i < 20_000; i++) w.push([i, 'x'.repeat(20)]);
      await terminate([pid]);
      await settle();
      try {
        // The producer learns of the failure at its next push (or at end()), as the error itself.
        for (let i = 0; i < 20_000; i++) w.push([i, 'y'.repeat(20)]);
        await w.end();
        return null;
      } catch (e) {
        await w.abort();
        return e;
      }
    });
    expect(isDatabaseUnavailable(failure), String((failure as Error | null)?.stack ?? failure)).toBe(true);
    expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails a piped COPY whose connection is ended mid-stream, as unavailable', async () => {
    const { pool } = open();
    const failure = await copyFailure(pool, async (client, pid) => {
      function* rows() { for (let i = 0; i < 2_000_000; i++) yield i; }
      // Ended at once: sending the 50 MB takes far longer than the terminate takes to land.
      const copying = copyRows(client, 'c', ['n', 's'], rows(), (i) => [i, 'z'.repeat(20)]).then(() => null, (e: unknown) => e);
      await terminate([pid]);
      return copying;
    });
    expect(isDatabaseUnavailable(failure), String((failure as Error | null)?.stack ?? failure)).toBe(true);
    expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails a new connection to a server that is not there as unavailable, without an event to own', async () => {
    logged = [];
    handle = connect({ url: 'postgres://postgres@127.0.0.1:1/x', log: (m) => logged.push(m) });
    const failure = await handle.pool.query('select 1').then(() => null, (e: unknown) => e);
    expect(isDatabaseUnavailable(failure), String((failure as Error | null)?.stack ?? failure)).toBe(true);
    expect(unavailableReason(failure)).toBe('ECONNREFUSED');
    await expect(handle.ping()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

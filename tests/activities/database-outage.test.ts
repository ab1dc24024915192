import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DATABASE_UNAVAILABLE, retryOnDatabaseOutage } from '../../activities/database-outage';
import { freePort } from '../../cli/infra/postgres';
import { connect } from '../../sql/db';

const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
const quick = { maxWaitMs: 600, pollMs: 100 };

describe('an activity that loses the database', () => {
  const up = connect({ url: inject('databaseUrl'), schema: 't_outage' });
  afterAll(() => up.close());

  it('fails as a retryable DatabaseUnavailable once the database answers again', async () => {
    const logged: string[] = [];
    const acts = retryOnDatabaseOutage({ db: up, log: (m) => logged.push(m) }, { ingest: async () => { throw reset(); } }, quick);
    const failure = await acts.ingest().then(() => null, (e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: DATABASE_UNAVAILABLE, nonRetryable: false });
    expect((failure as Error).message).toMatch(new RegExp(`^the database at ${up.address} was unreachable \\(ECONNRESET\\); it answers again after \\d+ s, so the stage will be retried$`));
    expect(logged).toHaveLength(1);
  });

  it('waits no longer than its bound for a database that stays down, and says so', async () => {
    const down = connect({ url: `postgres://postgres@127.0.0.1:${await freePort()}/x`, log: () => {} });
    try {
      const acts = retryOnDatabaseOutage({ db: down }, { score: async () => { await down.db.selectFrom('runs').selectAll().execute(); } }, quick);
      const started = Date.now();
      const failure = await acts.score().then(() => null, (e: unknown) => e);
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(quick.maxWaitMs - quick.pollMs);
      expect(waited).toBeLessThan(quick.maxWaitMs + 2_000);
      expect(failure).toMatchObject({ type: DATABASE_UNAVAILABLE, nonRetryable: false });
      expect((failure as Error).message).toMatch(/^the database at 127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\); the stage will be retried once it answers/);
    } finally {
      await down.close();
    }
  });

  it('leaves every other failure as it was: the activity\'s own verdicts and real bugs', async () => {
    const rejected = ApplicationFailure.create({ type: 'DropRejected', message: 'bad drop', nonRetryable: true });
    const bug = new TypeError('x is not a function');
    const acts = retryOnDatabaseOutage({ db: up }, {
      verdict: async () => { throw rejected; },
      bug: async () => { throw bug; },
      fine: async (n: number) => n + 1,
    }, quick);
    await expect(acts.verdict()).rejects.toBe(rejected);
    await expect(acts.bug()).rejects.toBe(bug);
    await expect(acts.fine(1)).resolves.toBe(2);
  });
});

describe('an attempt whose work never settles', () => {
  const up = connect({ url: inject('databaseUrl'), schema: 't_outage' });
  afterAll(() => up.close());
  const stuck = () => retryOnDatabaseOutage({ db: up }, { retrain: () => new Promise<never>(() => {}) }, quick);

  it('ends once Temporal gives the attempt up (its heartbeat timed out), so its retry can have the slot', async () => {
    const env = new MockActivityEnvironment();
    const ended = env.run(stuck().retrain).then(() => 'resolved', (e: Error) => e.message);
    env.cancel('TIMED_OUT');
    expect(await ended).toBe('TIMED_OUT');
  });

  it('keeps working through a shutdown or a cancellation the run asked for (the work decides)', async () => {
    for (const reason of ['WORKER_SHUTDOWN', 'CANCELLED'] as const) {
      const env = new MockActivityEnvironment();
      let settled = false;
      void env.run(stuck().retrain).finally(() => { settled = true; });
      env.cancel(reason);
      await new Promise((r) => setTimeout(r, 50));
      expect(settled, reason).toBe(false);
    }
  });
});

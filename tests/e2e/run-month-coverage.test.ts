import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acvloop } from '../helpers/cli';
import { smallDrop } from '../helpers/drops';

/**
 * `acvloop run --month` for a month the drop does not cover is refused
 * before anything starts (issue 12). Temporal and Postgres point at a closed
 * port: a command that got past the check would say it cannot reach them.
 */
const nowhere = { TEMPORAL_ADDRESS: '127.0.0.1:1', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ACVLOOP_CONFIG: '' };
let drop: Awaited<ReturnType<typeof smallDrop>>;

beforeAll(async () => {
  drop = await smallDrop({ seed: 3, accounts: 300, months: 12 });
});

afterAll(() => drop?.cleanup());

describe('acvloop run --month', () => {
  it('refuses a month after the drop ends, naming where its spend and opportunities end, and starts nothing', async () => {
    const r = await acvloop(['run', '--month', '2026-11', '--drop', drop.dir, '--requested-by', 'alice'], nowhere);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('acvloop: the drop does not cover 2026-11: its spend ends in 2026-10 and its opportunities in 2026-10; ' +
      'run a month the drop covers, or give the run a drop that covers 2026-11\n');
  });

  it('lets the drop\'s own month through to Temporal', async () => {
    const r = await acvloop(['run', '--month', '2026-10', '--drop', drop.dir, '--requested-by', 'alice'], nowhere);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^acvloop: cannot reach Temporal at 127\.0\.0\.1:1/);
  });
});

import { describe, expect, it } from 'vitest';
import { acvloop } from '../../helpers/cli';

/**
 * A dispute is on record under a name: without --by it is refused before
 * anything else happens (here no database answers, so a dispute that went on
 * would fail later, and differently), not raised by "unknown" or the login
 * name of whoever ran the command.
 */
const NO_DATABASE = { DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none', USER: 'root' };

describe('acvloop dispute --by', () => {
  it.each([
    ['missing', []],
    ['blank', ['--by', '  ']],
  ])('%s: refused with the flag to add', async (_label, by) => {
    const r = await acvloop(['dispute', 'run-1', '--opportunity', 'opp-1', '--reason', 'booked by sales', ...by], NO_DATABASE);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('acvloop: acvloop dispute needs --by NAME (who raises it: the review asks them about it)\n');
    expect(r.stdout).toBe('');
  });

  it('says it is required in the help', async () => {
    const r = await acvloop(['dispute', '--help']);
    expect(r.stdout).toMatch(/--by <name>\s+who raises it \(required/);
    expect(r.stdout).not.toMatch(/default: "/);
  });
});

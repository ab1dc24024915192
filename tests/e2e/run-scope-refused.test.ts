import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acvloop } from '../helpers/cli';

/**
 * A pilot's `--scope` with a mistake, as an operator meets it: one
 * `acvloop: --scope: …` line naming the problem, before the drop is read or
 * anything starts. Temporal and Postgres point at a closed port, so a scope
 * that got through would end in "cannot reach" instead; the drop folder
 * holds no drop, so a scope read after the drop would end in that.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-scope-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const nowhere = { TEMPORAL_ADDRESS: '127.0.0.1:1', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ACVLOOP_CONFIG: '' };
const run = (scope: string) => acvloop(['run', '--month', '2026-10', '--drop', dir, '--scope', scope], nowhere);

describe('acvloop run --scope', () => {
  it.each([
    ['segment=startup', 'acvloop: --scope: segment "startup" is not one of enterprise, mid_market, smb'],
    ['country=DE', 'acvloop: --scope: unknown key "country" in "country=DE"; the keys are region, segment, campaign'],
    ['region=', 'acvloop: --scope: region needs a value (region=…)'],
  ])('refuses %j in one line, before anything starts', async (scope, line) => {
    const r = await run(scope);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([line]);
  });

  it('takes a good scope and goes on to the drop (which here holds none)', async () => {
    const r = await run('region=EMEA,segment=enterprise,campaign=C-1');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('holds no drop files');
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acvloop } from '../../helpers/cli';
import { smallDrop } from '../../helpers/drops';

/**
 * `acvloop validate` says how many rows went to quarantine and why, by file
 * and rule, and its exit code tells a script apart: 0 every row passed, 3
 * valid with rows quarantined, 1 rejected.
 */
let drop: Awaited<ReturnType<typeof smallDrop>>;
const dirs: string[] = [];

beforeAll(async () => {
  drop = await smallDrop({ seed: 5, accounts: 200, months: 18 });
});

afterAll(() => {
  drop?.cleanup();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A copy of the drop with `edit` applied to the lines of one file. */
function edited(file: string, edit: (lines: string[]) => void): string {
  const dir = fs.mkdtempSync(`${drop.dir}-edit-`);
  dirs.push(dir);
  for (const f of fs.readdirSync(drop.dir)) fs.copyFileSync(path.join(drop.dir, f), path.join(dir, f));
  const lines = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
  edit(lines);
  fs.writeFileSync(path.join(dir, file), lines.join('\n'));
  return dir;
}

describe('acvloop validate', () => {
  it('exits 0 and says every row passed when none went to quarantine', async () => {
    const r = await acvloop(['validate', '--drop', drop.dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('Drop is valid: every row meets its contract.');
  });

  it('exits 3 and counts the quarantined rows by file and rule when the drop is valid without them', async () => {
    const dir = edited('opportunities.csv', (lines) => {
      for (const i of [1, 2, 3]) lines[i] = lines[i].replace(/^([^,]*),([^,]*),/, '$1,NO-SUCH-ACCOUNT,');
    });
    const json = await acvloop(['validate', '--drop', dir, '--json']);
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(true);
    // Rows of other files that name a quarantined opportunity may follow it.
    const total = report.files.reduce((n: number, f: { rowsQuarantined: number }) => n + f.rowsQuarantined, 0);
    expect(total).toBeGreaterThanOrEqual(3);

    const r = await acvloop(['validate', '--drop', dir]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout.split('\n')[0]).toBe(`Drop is valid, but ${total} rows went to quarantine: a run applies the rest and leaves them out.`);
    expect(r.stdout).toMatch(/^Quarantined rows by file and rule/m);
    expect(r.stdout).toMatch(/^ {2}opportunities\.csv {2}opportunities\.account_id\.\S+ {2}3 rows$/m);
  });

  it('exits 1 when the drop is rejected', async () => {
    const dir = edited('accounts.csv', (lines) => { lines[0] = lines[0].replace('segment', 'segmnt'); });
    const r = await acvloop(['validate', '--drop', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('Drop is NOT valid: nothing of it may be applied.');
  });
});

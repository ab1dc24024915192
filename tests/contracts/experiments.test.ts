/**
 * experiments.csv (optional lift tests): each rule of its contract broken
 * once, a good file accepted, and a drop never rejected for a bad test (the
 * file only calibrates the media-mix model).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDrop } from '../../generator';
import { validateDrop } from '../../contracts';

let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-exp-contract-'));
  await generateDrop({ outDir: dir, seed: 3, accounts: 100, months: 24 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (lines: string[]) => fs.writeFileSync(path.join(dir, 'experiments.csv'), ['channel,start,end,incremental_acv,stderr', ...lines].join('\n') + '\n');

describe('experiments.csv contract', () => {
  it('accepts good tests, a negative lift included, as typed rows', async () => {
    write(['event,2025-04,2025-05,12000.50,3000', 'webinar,2025-06,2025-06,-500,200']);
    const v = await validateDrop(dir);
    expect(v.ok).toBe(true);
    expect(v.rows.experiments).toEqual([
      { line: 2, channel: 'event', start: '2025-04', end: '2025-05', incremental_acv: 12000.5, stderr: 3000 },
      { line: 3, channel: 'webinar', start: '2025-06', end: '2025-06', incremental_acv: -500, stderr: 200 },
    ]);
  });

  it('quarantines each broken rule at its line, keeps the good rows, and does not reject the drop', async () => {
    write([
      'event,2025-04,2025-05,12000.50,3000',
      ',2025-04,2025-05,1,1',
      'event,2025-13,2025-05,1,1',
      'display,2025-05,2025-04,1,1',
      'content,2025-04,2025-05,abc,1',
      'content,2025-07,2025-08,1,-2',
      'event,2025-04,2025-05,5,5',
    ]);
    const v = await validateDrop(dir);
    expect(v.ok).toBe(true);
    expect(v.rows.experiments.map((r) => r.line)).toEqual([2]);
    expect(v.quarantine.filter((q) => q.file === 'experiments.csv').map((q) => [q.line, q.rule])).toEqual([
      [3, 'experiments.channel.not_null'],
      [4, 'experiments.start.type_month'],
      [5, 'experiments.end.not_before_start'],
      [6, 'experiments.incremental_acv.type_decimal'],
      [7, 'experiments.stderr.positive'],
      [8, 'experiments.channel_start_end.unique'],
    ]);
  });

  it('an absent file gives no rows', async () => {
    fs.rmSync(path.join(dir, 'experiments.csv'));
    const v = await validateDrop(dir);
    expect(v.ok).toBe(true);
    expect(v.rows.experiments).toEqual([]);
  });
});

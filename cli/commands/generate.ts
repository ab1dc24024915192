import path from 'node:path';
import { generateDrop } from '../../generator';
import { DRIFT } from '../../generator/drift';
import { printJson, say, table } from '../output';
import { parseMonth, parsePositiveInt } from '../parse';

export async function generateCommand(opts: { out: string; seed: string; accounts: string; months: string; end: string; experiments?: boolean; drift?: boolean; json?: boolean }): Promise<number> {
  if (!/^\d+$/.test(opts.seed)) throw new Error(`--seed takes a whole number, not "${opts.seed}"`);
  const summary = await generateDrop({
    outDir: path.resolve(opts.out),
    seed: Number(opts.seed),
    accounts: parsePositiveInt(opts.accounts, '--accounts'),
    months: parsePositiveInt(opts.months, '--months'),
    end: parseMonth(opts.end, '--end'),
    experiments: opts.experiments ?? false,
    drift: opts.drift ?? false,
  });
  if (opts.json) printJson(summary);
  else {
    say(`wrote a drop for ${summary.months[0]}..${summary.months[1]} (seed ${summary.seed}) to ${summary.outDir}`);
    say(table(['file', 'rows'], summary.files.map((f) => [f.name, f.rows])));
    say(`planted truth: ${summary.truthFile}`);
    if (opts.drift) say(`planted drift over the last ${DRIFT.months} months: see "drift" in ${summary.truthFile}`);
  }
  return 0;
}

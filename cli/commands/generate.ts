import path from 'node:path';
import { generateDrop } from '../../generator';
import { DRIFT } from '../../generator/drift';
import type { Channel } from '../../generator/params';
import { knobNames, type WorldKnobs } from '../../generator/world-knobs';
import { printJson, say, table } from '../output';
import { parseMonth, parsePositiveInt } from '../parse';

interface KnobFlags {
  sharedBudget?: boolean; demandFollowing?: boolean; longCarryover?: boolean; saturated?: boolean; lowVariation?: boolean;
  harvestLastTouch?: boolean; nullChannel?: string; liftTests?: string;
}

/** The hard-world knobs the flags ask for; undefined when none is given, so the drop is the one the seed always gave. */
export function knobsOf(f: KnobFlags): WorldKnobs | undefined {
  const k: WorldKnobs = {
    ...(f.sharedBudget ? { sharedBudget: true } : {}), ...(f.demandFollowing ? { demandFollowing: true } : {}),
    ...(f.longCarryover ? { longCarryover: true } : {}), ...(f.saturated ? { saturated: true } : {}),
    ...(f.lowVariation ? { lowVariation: true } : {}), ...(f.harvestLastTouch ? { harvestLastTouch: true } : {}),
    ...(f.nullChannel ? { nullChannel: f.nullChannel as Channel } : {}),
    ...(f.liftTests ? { liftTests: f.liftTests.split(',').map((c) => c.trim()).filter(Boolean) as Channel[] } : {}),
  };
  return knobNames(k).length ? k : undefined;
}

export async function generateCommand(opts: KnobFlags & { out: string; seed: string; accounts: string; months: string; end: string; experiments?: boolean; drift?: boolean; json?: boolean }): Promise<number> {
  if (!/^\d+$/.test(opts.seed)) throw new Error(`--seed takes a whole number, not "${opts.seed}"`);
  const world = knobsOf(opts);
  const summary = await generateDrop({
    outDir: path.resolve(opts.out),
    seed: Number(opts.seed),
    accounts: parsePositiveInt(opts.accounts, '--accounts'),
    months: parsePositiveInt(opts.months, '--months'),
    end: parseMonth(opts.end, '--end'),
    experiments: opts.experiments ?? false,
    drift: opts.drift ?? false,
    ...(world ? { world } : {}),
  });
  if (opts.json) printJson(summary);
  else {
    say(`wrote a drop for ${summary.months[0]}..${summary.months[1]} (seed ${summary.seed}) to ${summary.outDir}`);
    say(table(['file', 'rows'], summary.files.map((f) => [f.name, f.rows])));
    say(`planted truth: ${summary.truthFile}`);
    if (world) say(`hard-world knobs: ${knobNames(world).join(', ')} (recorded under "world" in ${summary.truthFile})`);
    if (opts.drift) say(`planted drift over the last ${DRIFT.months} months: see "drift" in ${summary.truthFile}`);
  }
  return 0;
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { analyzeAttributionCommand } from '../../../cli/commands/analyze-attribution';

const DATA = path.resolve(__dirname, '../../../../shared/data/channelattribution/Data.csv');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * Registers the command under an `analyze` parent as the lead will, parses
 * argv and captures what it prints. The command needs no database.
 */
async function run(args: string[]): Promise<{ stdout: string; error: string | null }> {
  const program = new Command('acvloop').exitOverride();
  analyzeAttributionCommand(program.command('analyze').exitOverride());
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'acvloop', 'analyze', 'attribution', ...args]);
    return { stdout, error: null };
  } catch (err) {
    return { stdout, error: (err as Error).message };
  } finally {
    spy.mockRestore();
  }
}

describe('acvloop analyze attribution', () => {
  it('--json on Data.csv: every model keyed by channel; linear eta is what ChannelAttribution 2.2.5 prints (relative 1e-12)', async () => {
    const { stdout, error } = await run(['--paths', DATA, '--json']);
    expect(error).toBeNull();
    const doc = JSON.parse(stdout);
    expect(Object.keys(doc.models).sort()).toEqual(['first', 'last', 'linear', 'markov', 'position', 'shapley', 'time-decay']);
    expect(Object.keys(doc.models.first).sort()).toEqual(['alpha', 'beta', 'delta', 'epsilon', 'eta', 'gamma', 'iota', 'kappa', 'lambda', 'mi', 'theta', 'zeta']);
    expect(doc.models.first.alpha).toEqual({ conversions: 6308, value: expect.any(Number) });
    expect(Math.abs(doc.models.linear.eta.conversions - 3539.951157100566) / 3539.951157100566).toBeLessThan(1e-12);
    expect(Object.keys(doc.removalEffects)).toHaveLength(12);
    // the package's simulated removal effect for alpha is 0.558723 (SE ~0.010)
    expect(Math.abs(doc.removalEffects.alpha - 0.558723)).toBeLessThan(0.045);
  });

  it('--model shapley-simplified --order 2 picks one model, keyed shapley_simplified', async () => {
    const { stdout, error } = await run(['--paths', DATA, '--model', 'shapley-simplified', '--order', '2', '--json']);
    expect(error).toBeNull();
    const doc = JSON.parse(stdout);
    expect(Object.keys(doc.models)).toEqual(['shapley_simplified']);
    expect(doc.removalEffects).toEqual({});
  });

  it('prints a table without --json, and reads another separator', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'acvloop-paths-'));
    dirs.push(dir);
    const file = path.join(dir, 'p.csv');
    writeFileSync(file, 'path,total_conversions,total_conversion_value,total_null\na > b,2,20,1\nb,1,5,3\n');
    const { stdout, error } = await run(['--paths', file, '--sep', ',', '--model', 'last']);
    expect(error).toBeNull();
    expect(stdout).toContain('3 conversions, value 25.00, 4 null journeys');
    expect(stdout).toMatch(/^b\s+3\.00$/m); // last touch: b ends both paths
  });

  it('errors name the file, the line and the problem', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'acvloop-paths-'));
    dirs.push(dir);
    const file = path.join(dir, 'bad.csv');
    writeFileSync(file, 'path;total_conversions;total_conversion_value;total_null\na > b;1;2;0\na;-1;0;0\n');
    expect((await run(['--paths', file])).error).toBe(`${file}:3: total_conversions must be a number >= 0, not "-1"`);
    expect((await run(['--paths', path.join(dir, 'missing.csv')])).error).toMatch(/missing\.csv: cannot read the path file \(ENOENT\)/);
    expect((await run(['--paths', DATA, '--model', 'nope'])).error).toMatch(/--model takes all, first, .*; not "nope"/);
    expect((await run(['--paths', DATA, '--order', '0'])).error).toMatch(/--order takes a positive whole number/);
  });
});

/**
 * Writes a synthetic data drop:
 *   npx tsx generator/cli.ts --out /tmp/drop [--seed 42] [--accounts 2000] [--months 36] [--end 2026-10] [--gzip touchpoints.csv,usage.csv] [--drift]
 */
import { generateDrop } from './index';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const outDir = arg('out');
  if (!outDir) throw new Error('usage: generator/cli.ts --out DIR [--seed N] [--accounts N] [--months N] [--end YYYY-MM] [--gzip a.csv,b.csv]');
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  const started = process.hrtime.bigint();
  const summary = await generateDrop({
    outDir,
    seed: num(arg('seed')),
    accounts: num(arg('accounts')),
    months: num(arg('months')),
    end: arg('end'),
    gzip: arg('gzip')?.split(',').filter(Boolean),
    drift: process.argv.includes('--drift'),
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ ...summary, elapsedMs: Math.round(ms) }, null, 2) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

/**
 * Throughput of parse + validate on a large drop (not run by vitest).
 *   npx tsx tests/contracts/bench-validate.ts [rows=1000000]
 */
import { rmSync } from 'node:fs';
import { validateDrop } from '../../contracts';
import { dropFor, writeBigTouchpoints } from './drops';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1_000_000);
  const dir = dropFor(null);
  writeBigTouchpoints(dir, n);
  for (let run = 1; run <= 3; run++) {
    const t0 = process.hrtime.bigint();
    const v = await validateDrop(dir, { maxErrorRate: 1 });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const tp = v.files.find((f) => f.file === 'touchpoints.csv')!;
    const total = v.files.reduce((a, f) => a + f.rowsRead, 0);
    console.log(
      `run ${run}: ${total} rows in ${s.toFixed(2)} s = ${Math.round(total / s)} rows/s ` +
        `(touchpoints ${tp.rowsAccepted} accepted, ${tp.rowsQuarantined} quarantined; heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB)`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

void main();

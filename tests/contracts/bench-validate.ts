/**
 * Throughput and CPU of parse + validate + COPY text, in process, no database
 * (not run by vitest): what the validate activity does minus Postgres.
 *   npx tsx tests/contracts/bench-validate.ts [rows=1000000]   # base drop + that many touchpoints
 *   npx tsx tests/contracts/bench-validate.ts /path/to/drop     # a generated drop, e.g. bench --keep's
 */
import { existsSync, rmSync } from 'node:fs';
import { validateDrop } from '../../contracts';
import { SOURCE_TABLES } from '../../sql/tables/sources';
import { copyLineWriter } from '../../sql/copy';
import { dropFor, writeBigTouchpoints } from './drops';

async function main(): Promise<void> {
  const arg = process.argv[2] ?? '1000000';
  const given = existsSync(arg);
  const dir = given ? arg : dropFor(null);
  if (!given) writeBigTouchpoints(dir, Number(arg));
  for (let run = 1; run <= 3; run++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    let peak = 0;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 100);
    let bytes = 0;
    let writer: ReturnType<typeof copyLineWriter> | null = null;
    const v = await validateDrop(dir, {
      maxErrorRate: 1,
      retainRows: false,
      sink: {
        row(name, row) {
          writer ??= copyLineWriter(SOURCE_TABLES[name].columns);
          bytes += writer(row, 'batch\t').length;
        },
        fileDone() {
          writer = null;
        },
      },
    });
    clearInterval(timer);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(c0);
    const total = v.files.reduce((a, f) => a + f.rowsRead, 0);
    console.log(
      `run ${run}: ${total} rows in ${s.toFixed(2)} s = ${Math.round(total / s)} rows/s, ` +
        `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, peak RSS ${Math.round(peak / 2 ** 20)} MiB, ` +
        `${Math.round(bytes / 1e6)} MB of COPY text (${v.quarantine.length} quarantined)`,
    );
  }
  if (!given) rmSync(dir, { recursive: true, force: true });
}

void main();

import path from 'node:path';
import { readCsvFile } from './csv';
import { dropFilesIn } from './drop-hash';

/**
 * Whether a drop covers the month a run is for. A run of a month after its
 * drop ends reads the missing month as no spend and no deals: "current"
 * spend shrinks, the budget move looks small, and the sign-off says so. The
 * run is refused instead, by `acvloop run` before it starts (from the files)
 * and by the validate stage (from the validated rows), so scheduled runs
 * are covered too.
 */
export interface LastMonths {
  /** The last month of spend.csv, or null when it holds none. */
  spend: string | null;
  /** The last month an opportunity was created in, or null when there is none. */
  opportunities: string | null;
}

/**
 * Why the drop does not cover `month`, or null when it does: both its spend
 * and its opportunities must reach the month.
 * @example
 * monthNotCoveredReason('2026-11', { spend: '2026-10', opportunities: '2026-10' })
 * // 'the drop does not cover 2026-11: its spend ends in 2026-10 and its opportunities in 2026-10; run a month …'
 */
export function monthNotCoveredReason(month: string, last: LastMonths): string | null {
  const covered = (m: string | null) => m !== null && m >= month;
  if (covered(last.spend) && covered(last.opportunities)) return null;
  const spend = last.spend === null ? 'it holds no spend' : `its spend ends in ${last.spend}`;
  const opportunities = last.opportunities === null ? 'it holds no opportunities'
    : `its opportunities ${last.spend === null ? 'end ' : ''}in ${last.opportunities}`;
  return `the drop does not cover ${month}: ${spend} and ${opportunities}; ` +
    `run a month the drop covers, or give the run a drop that covers ${month}`;
}

/**
 * The last months of a drop's spend and opportunities, read from its files
 * as they are (one streaming pass over two files; the contracts judge the
 * rows later). A file that is missing or unreadable gives null: validation
 * names that problem better than a month could.
 */
export async function lastMonthsInDrop(dir: string): Promise<LastMonths> {
  const files = dropFilesIn(dir);
  const lastOf = async (name: string, column: string): Promise<string | null> => {
    const file = files.find((f) => f === `${name}.csv` || f === `${name}.csv.gz`);
    if (!file) return null;
    let index = -1;
    let last: string | null = null;
    try {
      await readCsvFile(path.join(dir, file), {
        onHeader: (header) => { index = header.indexOf(column); },
        onRecord: (r) => {
          const m = /^\d{4}-\d{2}/.exec(r.values[index] ?? '')?.[0];
          if (m && (last === null || m > last)) last = m;
        },
        onMalformed: () => {},
      });
    } catch {
      return null;
    }
    return last;
  };
  return { spend: await lastOf('spend', 'month'), opportunities: await lastOf('opportunities', 'created_at') };
}

/**
 * experiments.csv (optional): lift tests that calibrate the media-mix model.
 * One row per test: the incremental ACV (USD) the channel's spend caused over
 * the months start..end, as measured by a holdout, with its standard error.
 *
 * Not yet registered in contracts/index.ts: registering it needs
 * `experiments` in rows.ts (DropRows, DropFileName), which the lead owns;
 * until then the name is cast.
 */
import { z } from 'zod';
import { defineContract, Line, Month } from './contract';
import type { DropFileName } from './rows';

export interface ExperimentRow {
  line: number;
  channel: string;
  start: string;
  end: string;
  incremental_acv: number;
  stderr: number;
}

export const Experiment = z.object({
  line: Line,
  channel: z.string().min(1),
  start: Month,
  end: Month,
  incremental_acv: z.number().finite(),
  stderr: z.number().positive(),
});
export type Experiment = z.infer<typeof Experiment>;

export const experiments = defineContract<ExperimentRow>({
  name: 'experiments' as DropFileName,
  file: 'experiments.csv',
  version: '1.0.0',
  owner: 'Marketing science',
  required: false,
  columns: [
    { name: 'channel', type: 'text', required: true, rule: 'same vocabulary as spend.channel' },
    { name: 'start', type: 'month', required: true, rule: 'first month of the test' },
    { name: 'end', type: 'month', required: true, rule: '>= start' },
    { name: 'incremental_acv', type: 'decimal', required: true, rule: 'USD; may be negative (a test can measure a loss)' },
    { name: 'stderr', type: 'decimal', required: true, rule: '> 0, USD', range: 'positive' },
  ],
  uniqueKeys: [['channel', 'start', 'end']],
  rowRules: [
    {
      id: 'end.not_before_start',
      column: 'end',
      reads: ['start', 'end'],
      check: (r) => (r.start !== null && r.end !== null && r.end < r.start ? `end "${r.end}" is before start "${r.start}"` : null),
    },
  ],
  schema: Experiment,
});

/**
 * experiments.csv (optional): lift tests that calibrate the media-mix model.
 * One row per test: the incremental ACV (USD) the channel's spend caused over
 * the months start..end, as measured by a holdout, with its standard error.
 */
import { z } from 'zod';
import { defineContract, Line, Month } from './contract';
import type { RowColumns, RowOf } from './row-columns';

/** An accepted row of experiments.csv: each column's value and its type in src_experiments (see row-columns.ts). */
export const EXPERIMENT_ROW = {
  line: [Line, 'integer'],
  channel: [z.string().min(1), 'text'],
  start: [Month, 'text'],
  end: [Month, 'text'],
  incremental_acv: [z.number().finite(), 'double precision'],
  stderr: [z.number().positive(), 'double precision'],
} as const satisfies RowColumns;
export type ExperimentRow = RowOf<typeof EXPERIMENT_ROW>;

export const experiments = defineContract<ExperimentRow>({
  name: 'experiments',
  file: 'experiments.csv',
  version: '1.0.0',
  owner: 'Marketing science',
  required: false,
  // Lift tests only calibrate the media-mix model: a bad test is quarantined and reported,
  // and never stops the month's cycle (a file of three tests would cross any rate with one bad row).
  maxErrorRate: 1,
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
  row: EXPERIMENT_ROW,
});

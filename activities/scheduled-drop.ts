import fs from 'node:fs';
import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from './context';
import { hashDrop } from '../contracts/drop-hash';

export interface ScheduledDropInput {
  /** The month the run is for (YYYY-MM). */
  month: string;
  /** An absolute folder pattern; `{month}` becomes the month. */
  dropPattern: string;
}

export interface ScheduledDrop {
  dropPath: string;
  dropSha256: string;
}

/** The folder of a month's drop under a pattern. */
export function dropPathFor(dropPattern: string, month: string): string {
  return dropPattern.split('{month}').join(month);
}

/**
 * Finds the drop a scheduled run works on and its content hash. A missing or
 * empty folder will not appear by retrying within the run, so it fails the
 * run at once (`DropMissing`, non-retryable), naming the path; the operator
 * backfills the month once the drop has landed.
 */
export function scheduledDropActivity(deps: ActivityDeps) {
  return async function resolveScheduledDrop(input: ScheduledDropInput): Promise<ScheduledDrop> {
    const dropPath = dropPathFor(input.dropPattern, input.month);
    if (!fs.existsSync(dropPath) || !fs.statSync(dropPath).isDirectory()) {
      throw ApplicationFailure.create({
        type: 'DropMissing', nonRetryable: true,
        message: `no drop for ${input.month}: the folder ${dropPath} (schedule.dropPattern ${input.dropPattern}) does not exist`,
      });
    }
    const drop = await hashDrop(dropPath);
    if (drop.files.length === 0) {
      throw ApplicationFailure.create({
        type: 'DropMissing', nonRetryable: true,
        message: `no drop for ${input.month}: the folder ${dropPath} holds no drop files (accounts.csv, opportunities.csv, …)`,
      });
    }
    deps.log?.(`scheduled drop for ${input.month}: ${dropPath} (sha256 ${drop.sha256.slice(0, 12)}…, ${drop.files.length} files)`);
    return { dropPath, dropSha256: drop.sha256 };
  };
}

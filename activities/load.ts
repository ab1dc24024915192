import type { DropRows } from '../contracts/rows';
import { readSourceRows, type LoadedSources, type SourceColumns } from '../store/source-rows';
import { heartbeat, type ActivityDeps } from './context';

export type { LoadedSources, SourceColumns };

/**
 * A stage's read of its batch's validated rows (store/source-rows.ts
 * readSourceRows), heartbeating after each file and each round trip so a
 * long read never looks like a lost worker.
 * @example
 * const { touchpoints } = await loadSources(deps, batchId, ['touchpoints'], { touchpoints: ['account_id', 'occurred_at'] });
 */
export function loadSources<F extends keyof DropRows, const C extends SourceColumns<F> = {}>(
  deps: ActivityDeps, batchId: string, files: readonly F[], columns?: C,
): Promise<LoadedSources<F, C>> {
  return readSourceRows(deps.db, batchId, files, columns, heartbeat);
}

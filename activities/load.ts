import type { DropRows } from '../contracts/rows';
import { readSourceRows, type LoadedSources, type SourceColumns } from '../store/source-rows';
import { readScopedSourceRows, type SourceScope } from '../store/pilot-scope';
import { heartbeat, type ActivityDeps } from './context';

export type { LoadedSources, SourceColumns, SourceScope };

/**
 * A stage's read of its batch's validated rows (store/source-rows.ts
 * readSourceRows), heartbeating after each file and each round trip so a
 * long read never looks like a lost worker. A pilot's stages pass the
 * run's `scope` (runContext's): its rows are then the scope's
 * (store/pilot-scope.ts says how each file is cut).
 * @example
 * const { touchpoints } = await loadSources(deps, batchId, ['touchpoints'], { touchpoints: ['account_id', 'occurred_at'] });
 * const { contracts } = await loadSources(deps, batchId, ['contracts'], undefined, scope);
 */
export function loadSources<F extends keyof DropRows, const C extends SourceColumns<F> = {}>(
  deps: ActivityDeps, batchId: string, files: readonly F[], columns?: C, scope?: SourceScope | null,
): Promise<LoadedSources<F, C>> {
  return scope
    ? readScopedSourceRows(deps.db, batchId, files, columns, scope, heartbeat)
    : readSourceRows(deps.db, batchId, files, columns, heartbeat);
}

import { runScopeSuffix, type RunScope } from '../lib/run-scope';

/**
 * The run id (= workflow id) of a month, drop and version: starting the same
 * one twice is refused. A pilot's id ends with its scope
 * (`-pilot-region-emea`), so it never takes the id of the organisation-wide
 * run of the same drop. Pure, so the workflows (scheduled runs) and the
 * client (`acvloop run`) name runs by one rule.
 * @example
 * runIdFor('2026-10', sha, 1);                       // 'cycle-2026-10-<sha12>-v1'
 * runIdFor('2026-10', sha, 1, { region: 'EMEA' });   // 'cycle-2026-10-<sha12>-v1-pilot-region-emea'
 */
export function runIdFor(month: string, dropSha256: string, version: number, scope?: RunScope | null): string {
  return `cycle-${month}-${dropSha256.slice(0, 12)}-v${version}${runScopeSuffix(scope)}`;
}

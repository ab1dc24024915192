/**
 * The run id (= workflow id) of a month, drop and version: starting the same
 * one twice is refused. Pure, so the workflows (scheduled runs) and the
 * client (`acvloop run`) name runs by one rule.
 */
export function runIdFor(month: string, dropSha256: string, version: number): string {
  return `cycle-${month}-${dropSha256.slice(0, 12)}-v${version}`;
}

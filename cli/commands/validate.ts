import path from 'node:path';
import { validateDrop } from '../../contracts';
import { formatValidation, QuarantineTally, toValidateJson } from '../../contracts/report';
import { printJson, say } from '../output';

/**
 * Exit codes of `acvloop validate`, for scripts: a drop with quarantined rows
 * is applied without them, which a pipeline may want to stop and look at.
 */
export const VALIDATE_EXIT = { clean: 0, rejected: 1, quarantined: 3 } as const;

export async function validateCommand(opts: { drop: string; maxErrorRate?: string; json?: boolean }): Promise<number> {
  let maxErrorRate: number | undefined;
  if (opts.maxErrorRate !== undefined) {
    maxErrorRate = Number(opts.maxErrorRate);
    if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) throw new Error(`--max-error-rate takes a share between 0 and 1, not "${opts.maxErrorRate}"`);
  }
  // Accepted rows are never printed, so none are kept; the text report needs only the quarantine's
  // counts and first messages (a tally), the JSON every entry.
  const tally = opts.json ? undefined : new QuarantineTally();
  const v = await validateDrop(path.resolve(opts.drop), {
    maxErrorRate,
    retainRows: false,
    retainQuarantine: opts.json === true,
    sink: { row: () => {}, quarantine: (entry) => tally?.add(entry) },
  });
  if (opts.json) printJson(toValidateJson(v));
  else say(formatValidation(v, { tally }));
  if (!v.ok) return VALIDATE_EXIT.rejected;
  return v.files.some((f) => f.rowsQuarantined > 0) ? VALIDATE_EXIT.quarantined : VALIDATE_EXIT.clean;
}

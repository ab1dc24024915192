import path from 'node:path';
import { validateDrop } from '../../contracts';
import { formatValidation, toValidateJson } from '../../contracts/report';
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
  const v = await validateDrop(path.resolve(opts.drop), { maxErrorRate });
  if (opts.json) printJson(toValidateJson(v));
  else say(formatValidation(v));
  if (!v.ok) return VALIDATE_EXIT.rejected;
  return v.files.some((f) => f.rowsQuarantined > 0) ? VALIDATE_EXIT.quarantined : VALIDATE_EXIT.clean;
}

import path from 'node:path';
import { validateDrop } from '../../contracts';
import { formatValidation, toValidateJson } from '../../contracts/report';
import { printJson, say } from '../output';

export async function validateCommand(opts: { drop: string; maxErrorRate?: string; json?: boolean }): Promise<number> {
  let maxErrorRate: number | undefined;
  if (opts.maxErrorRate !== undefined) {
    maxErrorRate = Number(opts.maxErrorRate);
    if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) throw new Error(`--max-error-rate takes a share between 0 and 1, not "${opts.maxErrorRate}"`);
  }
  const v = await validateDrop(path.resolve(opts.drop), { maxErrorRate });
  if (opts.json) printJson(toValidateJson(v));
  else say(formatValidation(v));
  return v.ok ? 0 : 1;
}

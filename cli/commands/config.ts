import { ConfigError } from '../../config/error';
import { loadConfig } from '../../config/load';
import { printJson, say } from '../output';

/**
 * `acvloop config check [FILE]`: the checks every command makes of its
 * config, without starting anything, so an operator can check a file before
 * deploying it. Prints "FILE: ok" (exit 0), or every problem (exit 2).
 */
export async function configCheckCommand(file: string | undefined, opts: { json?: boolean }): Promise<number> {
  const source = file ?? process.env.ACVLOOP_CONFIG;
  if (!source) {
    process.stderr.write('acvloop: config check needs a FILE (or ACVLOOP_CONFIG)\n');
    return 2;
  }
  try {
    loadConfig(source);
  } catch (err) {
    if (!(err instanceof ConfigError) || !opts.json) throw err;
    printJson({ file: source, ok: false, problems: err.problems });
    return err.exitCode;
  }
  if (opts.json) printJson({ file: source, ok: true, problems: [] });
  else say(`${source}: ok`);
  return 0;
}

/**
 * A config file the commands refuse, with every problem found in it (not
 * only the first), each naming the key. It carries exit code 2, the code of
 * a caller's mistake, so a deploy script can tell it from a failed run.
 * Kept free of imports: the CLI's error handler loads it on every start.
 */
export class ConfigError extends Error {
  readonly exitCode = 2;

  /** One line per problem, `FILE: problem`, as the CLI prints them; the message is these lines. */
  readonly lines: string[];

  constructor(readonly file: string, readonly problems: readonly string[]) {
    const lines = problems.map((p) => `${file}: ${p}`);
    super(lines.join('\n'));
    this.lines = lines;
    this.name = 'ConfigError';
  }
}

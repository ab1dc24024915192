/**
 * A config file the commands refuse, with every problem found in it (not
 * only the first), each naming the key. It carries exit code 2, the code of
 * a caller's mistake, so a deploy script can tell it from a failed run.
 * Kept free of imports: the CLI's error handler loads it on every start.
 */
export class ConfigError extends Error {
  readonly exitCode = 2;

  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(problems.map((p) => `${file}: ${p}`).join('\n'));
    this.name = 'ConfigError';
  }

  /** One line per problem, `FILE: problem`, as the CLI prints them. */
  get lines(): string[] {
    return this.problems.map((p) => `${this.file}: ${p}`);
  }
}

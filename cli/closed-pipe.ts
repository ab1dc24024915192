/**
 * `acvloop audit | head`: once the reader has what it wants and closes the
 * pipe, the next write to stdout fails with EPIPE. That is the reader's
 * choice, not a failure of the command, so the process ends at once and
 * quietly, exit 0, with no stack trace. A closed stderr is ignored (there is
 * no one left to tell, and the work on stdout may still be read). Any other
 * stream error is still thrown.
 */
export function exitQuietlyOnClosedPipe(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): void {
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

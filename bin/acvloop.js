#!/usr/bin/env node
// The acvloop command. It runs the build in dist/ (bin/build.js, which
// bin/setup runs) while that is newer than every source file, and otherwise
// the TypeScript sources through tsx's CommonJS hook: an edited checkout never
// runs stale code, and a clone runs before any build. ACVLOOP_FROM_SOURCE=1
// always takes the sources.
// `acvloop worker` runs in a child node with the worker's heap flags; this process only waits for it, without tsx.
// Other commands do not load it.
if (process.argv[2] === 'worker' && require('../cli/infra/worker-heap.js').runWorkerWithHeapFlags(process.argv)) return;
const fromDist = process.env.ACVLOOP_FROM_SOURCE !== '1' && require('./sources.js').distIsFresh();
const cli = fromDist ? '../dist/cli' : '../cli';
if (!fromDist) require('tsx/cjs');
require(`${cli}/closed-pipe`).exitQuietlyOnClosedPipe();
let settled = false;
// A command whose work stalls on a promise nothing will settle would otherwise exit 0 in silence.
process.on('beforeExit', () => {
  if (!settled) {
    process.stderr.write('acvloop: stopped before the command finished (a server it waited for went away)\n');
    process.exit(1);
  }
});
require(`${cli}/main`)
  .main(process.argv)
  // Exit explicitly: native runtimes (Temporal's) may hold the process open or reset its exit code.
  // ...after stdout has drained: a pipe takes large output asynchronously, and exiting early would cut it at 64 KiB.
  .then((code) => { settled = true; process.stdout.write('', () => process.exit(code)); })
  .catch((err) => {
    settled = true;
    process.stderr.write(`acvloop: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = Number.isInteger(err && err.exitCode) ? err.exitCode : 1; // a ConfigError carries 2
  });

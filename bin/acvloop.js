#!/usr/bin/env node
// The acvloop command. TypeScript sources run through tsx's CommonJS hook, so
// there is no build step between a clone and a run.
// `acvloop worker` runs in a child node with the worker's heap flags; this process only waits for it, without tsx.
// Other commands do not load it.
if (process.argv[2] === 'worker' && require('../cli/infra/worker-heap.js').runWorkerWithHeapFlags(process.argv)) return;
require('tsx/cjs');
require('../cli/closed-pipe.ts').exitQuietlyOnClosedPipe();
let settled = false;
// A command whose work stalls on a promise nothing will settle would otherwise exit 0 in silence.
process.on('beforeExit', () => {
  if (!settled) {
    process.stderr.write('acvloop: stopped before the command finished (a server it waited for went away)\n');
    process.exit(1);
  }
});
require('../cli/main.ts')
  .main(process.argv)
  // Exit explicitly: native runtimes (Temporal's) may hold the process open or reset its exit code.
  // ...after stdout has drained: a pipe takes large output asynchronously, and exiting early would cut it at 64 KiB.
  .then((code) => { settled = true; process.stdout.write('', () => process.exit(code)); })
  .catch((err) => {
    settled = true;
    process.stderr.write(`acvloop: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = Number.isInteger(err && err.exitCode) ? err.exitCode : 1; // a ConfigError carries 2
  });

#!/usr/bin/env node
// The acvloop command. TypeScript sources run through tsx's CommonJS hook, so
// there is no build step between a clone and a run.
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv)
  .then((code) => { process.exitCode = code; })
  .catch((err) => {
    process.stderr.write(`acvloop: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });

'use strict';
/**
 * Which files make the command, for the build (bin/build.js) and for the
 * launcher's freshness check (bin/acvloop.js): the runtime folders of the
 * project, without tests, benches and type declarations. Plain JavaScript,
 * Node's own modules only: the launcher reads it before anything else loads.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
/** Written last by the build: its time is the build's. */
const STAMP = 'BUILD_STAMP';
/** The workflow code bundled by the build (temporal/worker.ts loads it when it runs from dist/). */
const WORKFLOW_BUNDLE = 'workflow-bundle.js';
const SOURCE_DIRS = ['activities', 'cli', 'config', 'contracts', 'generator', 'governance', 'lib', 'models', 'queries', 'report', 'sql', 'store', 'temporal', 'workflows'];
const SOURCE = /\.(ts|js)$/;

/** Every source file under `dir`, recursively. */
function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return SOURCE.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/**
 * True when dist/ was built after the last change to any source file or
 * folder (a folder's time moves when a file is added, removed or renamed in
 * it). About 400 stats: a few milliseconds.
 */
function distIsFresh() {
  let built;
  try {
    built = fs.statSync(path.join(DIST, STAMP)).mtimeMs;
  } catch {
    return false;
  }
  const newer = (dir) => {
    if (fs.statSync(dir).mtimeMs > built) return true;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() ? newer(p) : SOURCE.test(e.name) && fs.statSync(p).mtimeMs > built) return true;
    }
    return false;
  };
  try {
    return !SOURCE_DIRS.some((d) => newer(path.join(ROOT, d)));
  } catch {
    return false;
  }
}

module.exports = { ROOT, DIST, STAMP, WORKFLOW_BUNDLE, SOURCE_DIRS, sourceFiles, distIsFresh };

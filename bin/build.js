#!/usr/bin/env node
'use strict';
/**
 * Compiles the TypeScript sources once into dist/ (CommonJS, one file per
 * source file, the same tree), so that `acvloop` starts without compiling
 * TypeScript on every command. bin/setup runs it; bin/acvloop.js runs dist/
 * while it is newer than every source and falls back to tsx otherwise, so an
 * edited checkout never runs stale code.
 *
 * It also writes the workflow bundle (dist/workflow-bundle.js), which a
 * worker started from dist/ loads instead of bundling the workflows itself.
 *
 * esbuild (tsx's own compiler, a direct dependency) transpiles file by file
 * without type checking: `npm run typecheck` is the type check. Plain
 * JavaScript on purpose: it runs before anything is compiled.
 */
const fs = require('node:fs');
const path = require('node:path');
const { SOURCE_DIRS, STAMP, ROOT, DIST, WORKFLOW_BUNDLE, sourceFiles } = require('./sources.js');

async function build() {
  const started = Date.now();
  const entryPoints = SOURCE_DIRS.flatMap((d) => sourceFiles(path.join(ROOT, d)));
  const esbuild = require('esbuild');
  // Build beside, then swap: a command started meanwhile sees the old tree or the new one, never half of one.
  const next = `${DIST}.next-${process.pid}`;
  fs.rmSync(next, { recursive: true, force: true });
  await esbuild.build({
    entryPoints,
    outdir: next,
    outbase: ROOT,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'warning',
  });
  // The workflow code, bundled once here rather than by every worker at start (webpack in the worker costs
  // seconds and stays in its memory), by the worker's own bundleWorkflows from the tree just built.
  const bundle = await require(path.join(next, 'temporal', 'workflow-worker.js')).bundleWorkflows();
  fs.writeFileSync(path.join(next, WORKFLOW_BUNDLE), bundle.code);
  fs.writeFileSync(path.join(next, STAMP), `${new Date().toISOString()}\n`);
  const old = `${DIST}.old-${process.pid}`;
  if (fs.existsSync(DIST)) fs.renameSync(DIST, old);
  fs.renameSync(next, DIST);
  fs.rmSync(old, { recursive: true, force: true });
  process.stderr.write(`built ${entryPoints.length} files into dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

build().catch((err) => {
  process.stderr.write(`acvloop build failed: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});

'use strict';
/**
 * The worker's memory limits, in one place: `acvloop worker` (and so
 * `npm run worker`, the Docker image and the bench, which all run it) starts
 * itself again in a child node with these flags. A capped old generation makes
 * V8 collect instead of growing the heap to several GiB of garbage between
 * stages (uncapped, a worker peaked at 2.7 GiB on 100k accounts); a larger
 * young generation promotes less of the parse garbage. Plain JavaScript:
 * bin/acvloop.js reads it before tsx loads, so the waiting parent stays small.
 */
const { spawn } = require('node:child_process');

const DEFAULT_HEAP_MB = 1536;
/** Set in the child: its flags are in effect, it runs the worker itself. */
const CHILD_MARKER = 'ACVLOOP_WORKER_HEAP_CHILD';

/** The node flags of a worker whose old generation is capped at `heapMb` MiB. */
function workerNodeFlags(heapMb) {
  return [`--max-old-space-size=${heapMb}`, '--max-semi-space-size=32'];
}

/** The value of `FLAG V` or `FLAG=V` among the worker's arguments (the last one given), else undefined. */
function flagValue(args, flag) {
  let value;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) value = args[i + 1];
    else if (args[i].startsWith(`${flag}=`)) value = args[i].slice(flag.length + 1);
  }
  return value;
}

/** `--max-heap MB` (or `--max-heap=MB`) among the worker's arguments, else ACVLOOP_WORKER_HEAP_MB, else the default. */
function heapMbOf(args, env) {
  const flag = flagValue(args, '--max-heap');
  const given = flag ?? (env.ACVLOOP_WORKER_HEAP_MB || undefined);
  const from = flag !== undefined ? '--max-heap' : 'ACVLOOP_WORKER_HEAP_MB';
  if (given === undefined) return DEFAULT_HEAP_MB;
  // Below ~64 MiB the worker cannot even load the workflow bundle.
  if (!/^\d+$/.test(given) || Number(given) < 64) {
    const err = new Error(`${from} takes a whole number of MiB, at least 64 (e.g. ${DEFAULT_HEAP_MB}), not "${given}"`);
    err.exitCode = 2;
    throw err;
  }
  return Number(given);
}

/**
 * For `acvloop worker` outside the child: runs it in child nodes with the
 * heap flags and exits with their code. Without `--role`, two children: one
 * polls the cycle's workflow tasks, one its activities, so a stage's model
 * work (seconds of CPU) never holds up a workflow task or a status query on
 * the same event loop. SIGINT/SIGTERM go to every child (each drains, then
 * exits); when one child ends, the others are stopped the same way, so a
 * supervisor sees one worker and restarts it whole. Returns false where the
 * caller should run the command itself (already in a child).
 */
function runWorkerWithHeapFlags(argv) {
  if (process.env[CHILD_MARKER]) {
    exitWithParent();
    return false;
  }
  let heapMb;
  try {
    heapMb = heapMbOf(argv.slice(3), process.env);
  } catch (err) {
    process.stderr.write(`acvloop: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  const roles = flagValue(argv.slice(3), '--role') === undefined ? [['--role', 'workflows'], ['--role', 'activities']] : [[]];
  const children = roles.map((role) => spawn(process.execPath, [...workerNodeFlags(heapMb), argv[1], ...argv.slice(2), ...role], {
    env: { ...process.env, [CHILD_MARKER]: '1' },
    // The IPC channel is how a child learns that this process died (see exitWithParent).
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    // Its own process group: a Ctrl-C reaches it once, forwarded from here, not twice (the
    // worker drains on the first SIGINT and dies at once on a second).
    detached: true,
  }));
  const running = new Set(children);
  const forward = (signal) => { for (const c of running) c.kill(signal); };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward);
  let first = null;
  for (const child of children) {
    child.on('error', (err) => {
      process.stderr.write(`acvloop: could not start the worker: ${err.message}\n`);
      for (const c of running) c.kill('SIGKILL');
      process.exit(1);
    });
    child.on('exit', (code, signal) => {
      running.delete(child);
      if (!first) {
        first = { code, signal };
        // One child gone: the worker is not whole any more; the others drain and go too.
        for (const c of running) c.kill('SIGTERM');
      }
      if (running.size > 0) return;
      if (first.signal) {
        // Die of the same signal, so whoever started us sees what happened to the worker.
        for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeListener(s, forward);
        process.kill(process.pid, first.signal);
      }
      process.exit(first.code ?? 1);
    });
  }
  return true;
}

/**
 * In the child: if the parent dies without passing a signal on (SIGKILL, an
 * OOM kill), the IPC channel closes and the worker goes at once, as the
 * process its supervisor knew did; an orphan would keep polling unseen.
 */
function exitWithParent() {
  if (!process.channel) return;
  process.channel.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}

module.exports = { runWorkerWithHeapFlags };

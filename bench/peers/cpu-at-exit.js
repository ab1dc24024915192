'use strict';
// Preloaded into the timed `acvloop` processes by bench/peers.ts (NODE_OPTIONS=--require):
// prints the whole process's CPU time (user + system, all threads) on stderr when it exits,
// the figure to compare on a machine where others' load moves wall time.
const { writeSync } = require('node:fs');
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  writeSync(2, `\nbench-peers-cpu-seconds ${(user + system) / 1e6}\n`);
});

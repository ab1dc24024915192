import type { ChildProcess } from 'node:child_process';

/** `signal` (SIGTERM), then `orElse` (SIGKILL) if the process has not exited within 15 s; resolves once it is gone. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', orElse: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill(orElse), 15_000);
  await gone;
  clearTimeout(timer);
}

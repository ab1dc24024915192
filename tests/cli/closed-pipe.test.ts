import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudit } from '../../store/audit-log';
import { ROOT } from '../helpers/cli';
import { suiteDb } from '../helpers/db';

/**
 * `acvloop … | head`: the reader closes the pipe before the command has
 * written everything. The command ends quietly with exit 0, no EPIPE and no
 * stack trace. The pipe here is closed before the command writes at all.
 */
let db: Awaited<ReturnType<typeof suiteDb>>;

beforeAll(async () => {
  db = await suiteDb('cli_pipe');
  for (let i = 0; i < 50; i++) await writeAudit(db.pool, { actor: 'erin', action: 'note', runId: `r${i}`, after: { i }, reason: 'x'.repeat(200) });
});

afterAll(async () => {
  await db?.drop();
});

/** Runs `acvloop ARGS` with its stdout read by nobody: the read end is closed at once. */
function intoClosedPipe(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'acvloop.js'), ...args], {
      cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema },
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('a command whose reader closed the pipe', () => {
  for (const args of [['audit'], ['audit', '--json'], ['analyze', 'retention', '--survivors', '1000,631,468,382,326,289,262,241', '--horizon', '12'], ['--help']]) {
    it(`acvloop ${args.join(' ')} exits 0 without a word`, async () => {
      const r = await intoClosedPipe(args);
      expect(r.stderr).not.toMatch(/EPIPE|at .*\.ts:\d+/);
      expect(r.stderr).toBe('');
      expect([r.code, r.signal]).toEqual([0, null]);
    });
  }
});

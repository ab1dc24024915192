import fs from 'node:fs';
import path from 'node:path';
import { connect, dbOptionsFromEnv, migrate, type Db, type DbOptions } from '../sql/db';
import { isDatabaseUnavailable, unavailableReason } from '../sql/outage';
import { PROJECT_ROOT } from '../lib/project-root';

/** The database did not answer: the command says so in one line, the worker waits for it. */
export class DatabaseUnreachable extends Error {
  constructor(readonly address: string, readonly reason: string) {
    super(`cannot reach the database at ${address} (${reason})`);
  }
}

/** Opens the database the commands use: DATABASE_URL (and ACVLOOP_SCHEMA), migrated. */
export async function openDb(): Promise<Db> {
  const opts = requireDbOptions();
  const handle = connect(opts);
  try {
    await migrate(handle);
  } catch (err) {
    await handle.close();
    if (isDatabaseUnavailable(err)) throw new DatabaseUnreachable(handle.address, unavailableReason(err));
    throw new Error(`cannot use the database at ${redact(opts.url)}: ${(err as Error).message}`);
  }
  return handle;
}

/** DATABASE_URL and ACVLOOP_SCHEMA, or the error that says how to set them. */
export function requireDbOptions(): DbOptions {
  const opts = dbOptionsFromEnv();
  if (!opts) {
    throw new Error('DATABASE_URL is not set: point it at Postgres (e.g. postgres://postgres@127.0.0.1:5432/acvloop), ' +
      'or run `acvloop demo`, which starts an embedded Postgres');
  }
  return opts;
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

export function codeVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  let commit = process.env.ACVLOOP_COMMIT ?? '';
  if (!commit) {
    try {
      commit = require('node:child_process')
        .execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' })
        .trim();
    } catch {
      commit = 'unknown';
    }
  }
  return `${pkg.version}+${commit}`;
}

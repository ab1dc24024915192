import { openDb } from '../env';
import { connect, dbOptionsFromEnv, migrate } from '../../sql/db';
import { printJson, say } from '../output';

export async function migrateCommand(opts: { json?: boolean }): Promise<number> {
  if (!dbOptionsFromEnv()) return openDb().then(() => 0); // throws the clear "DATABASE_URL is not set" error
  const handle = connect(dbOptionsFromEnv()!);
  try {
    const r = await migrate(handle);
    if (opts.json) printJson({ schema: handle.schema, applied: r.applied, alreadyApplied: r.alreadyApplied });
    else say(r.applied.length ? `applied ${r.applied.join(', ')} in schema ${handle.schema}` : `schema ${handle.schema} is up to date (${r.alreadyApplied} migrations)`);
    return 0;
  } finally {
    await handle.close();
  }
}

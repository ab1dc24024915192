import { requireDbOptions } from '../env';
import { connect, migrate } from '../../sql/db';
import { printJson, say } from '../output';

export async function migrateCommand(opts: { json?: boolean }): Promise<number> {
  const handle = connect(requireDbOptions());
  try {
    const r = await migrate(handle);
    if (opts.json) printJson({ schema: handle.schema, applied: r.applied, alreadyApplied: r.alreadyApplied });
    else say(r.applied.length ? `applied ${r.applied.join(', ')} in schema ${handle.schema}` : `schema ${handle.schema} is up to date (${r.alreadyApplied} migrations)`);
    return 0;
  } finally {
    await handle.close();
  }
}

import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { inject } from 'vitest';
import { connect, migrate, type Db } from '../../sql/db';

/** A migrated schema of its own for one suite: suites never see each other's rows. */
export async function suiteDb(name: string): Promise<Db & { url: string; drop(): Promise<void> }> {
  const schema = `t_${name.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(3).toString('hex')}`;
  const url = inject('databaseUrl');
  const handle = connect({ url, schema });
  await migrate(handle);
  return {
    ...handle,
    url,
    async drop() {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
      await handle.close();
    },
  };
}

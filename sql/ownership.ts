import type { Pool } from 'pg';

/**
 * Whether the connected user may act as the owner of the schema and of every
 * table and sequence in it (owns them, is a member of the owning role, or is a
 * superuser): only such a user can apply migrations and grant on the tables.
 * A schema that does not exist yet is the connected user's to create.
 */
export async function ownsSchema(pool: Pool, schema: string): Promise<boolean> {
  const r = await pool.query(
    `select pg_has_role(n.nspowner, 'USAGE') and coalesce(bool_and(pg_has_role(c.relowner, 'USAGE')), true) as owns
       from pg_namespace n left join pg_class c on c.relnamespace = n.oid and c.relkind in ('r', 'p', 'S')
      where n.nspname = $1 group by n.nspowner`, [schema]);
  return r.rowCount === 0 || r.rows[0].owns === true;
}

export async function currentUser(pool: Pool): Promise<string> {
  return (await pool.query('select current_user as u')).rows[0].u;
}

/** What a role that may not migrate is told: pending migrations are the owner's to apply. */
export function ownerMustMigrate(schema: string, user: string, pending: readonly string[]): string {
  return `${pending.length} migration${pending.length === 1 ? '' : 's'} pending in schema ${schema} (${pending.join(', ')}), ` +
    `and ${user} does not own it: run \`acvloop db migrate\` as the owner`;
}

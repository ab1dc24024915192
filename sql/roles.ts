import { escapeIdentifier, escapeLiteral, type Pool } from 'pg';
import type { Db } from './db';
import { currentUser, ownsSchema } from './ownership';
import { scramVerifier } from './scram';

/**
 * Least privilege in the database (issue 11). The owner that migrates keeps
 * DDL to itself; two login roles get only what their programs do:
 *
 * - the worker's (and the CLI's) role reads every table and inserts into
 *   them. The cycle never updates, deletes or truncates (outputs are keyed by
 *   run id, a re-run is a new run id; grep finds only INSERT and COPY), so it
 *   gets none of those, and as a non-owner it cannot ALTER a table or disable
 *   the triggers that keep audit_log and the registry append-only;
 * - `acvloop serve`'s role reads every table and may only append to the
 *   audit log (refused decisions are audited from the page).
 *
 * Grants are revoked and given again on every migrate, in one transaction:
 * tables added by later migrations are covered, and a privilege granted by
 * hand meanwhile does not survive.
 */
export type RolePurpose = 'worker' | 'serve';

export interface RoleSpec {
  name: string;
  /** Set on every migrate when given (a verifier, never the password itself, reaches the server). */
  password?: string;
}

export type RoleSpecs = Record<RolePurpose, RoleSpec>;

export interface RoleOutcome {
  purpose: RolePurpose;
  role: string;
  /** Created by this migrate (false: it existed, or may not be created by this user). */
  created: boolean;
  passwordSet: boolean;
  /** Its grants are now exactly the ones below. */
  granted: boolean;
}

export interface RolesResult {
  roles: RoleOutcome[];
  /** SQL a DBA must run because this user may not (no CREATEROLE): empty when everything is set up. */
  forDba: string[];
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** insufficient_privilege */
const NOT_ALLOWED = '42501';

/** `<schema>_worker` and `<schema>_serve`: roles are cluster-wide, so each schema gets its own pair. */
export function defaultRoleNames(schema: string): Record<RolePurpose, string> {
  return { worker: `${schema}_worker`, serve: `${schema}_serve` };
}

export function checkRoleName(name: string, flag: string): string {
  if (!ROLE_NAME.test(name)) {
    throw new Error(`invalid role name "${name}" (at most 63 lower-case letters, digits and _): choose one with ${flag}`);
  }
  return name;
}

/** kysely's bookkeeping: readable by the roles (openDb checks it is up to date), written by the owner alone. */
const isMigrationTable = (t: string) => t === 'kysely_migration' || t === 'kysely_migration_lock';

/** The statements that make a role's privileges on the schema exactly what its program needs. */
function grantStatements(purpose: RolePurpose, role: string, schema: string, tables: readonly string[]): string[] {
  const r = escapeIdentifier(role);
  const s = escapeIdentifier(schema);
  const q = (t: string) => `${s}.${escapeIdentifier(t)}`;
  const out = [
    `REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM ${r}`,
    `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${s} FROM ${r}`,
    `REVOKE ALL ON SCHEMA ${s} FROM ${r}`,
    `GRANT USAGE ON SCHEMA ${s} TO ${r}`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${r}`,
  ];
  if (purpose === 'serve') {
    out.push(`GRANT INSERT ON ${q('audit_log')} TO ${r}`, `GRANT USAGE ON SEQUENCE ${q('audit_log_id_seq')} TO ${r}`);
    return out;
  }
  const writable = tables.filter((t) => !isMigrationTable(t));
  if (writable.length) out.push(`GRANT INSERT ON ${writable.map(q).join(', ')} TO ${r}`);
  // `acvloop dispute resolve` locks the dispute (SELECT ... FOR UPDATE), which Postgres allows only with UPDATE
  // on some column; the table's trigger still refuses every UPDATE.
  if (tables.includes('disputes')) out.push(`GRANT UPDATE (id) ON ${q('disputes')} TO ${r}`);
  // nextval of the bigserial ids.
  out.push(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`);
  return out;
}

/**
 * Creates the worker's and serve's roles when missing, sets their passwords
 * when given, and grants each exactly what it needs on the handle's schema.
 * Run by the owner after `migrate`. A user that may not create roles (a
 * managed database) gets the SQL to ask a DBA for instead of an error.
 */
export async function setUpRoles(handle: Db, specs: RoleSpecs): Promise<RolesResult> {
  const { pool, schema } = handle;
  const user = await currentUser(pool);
  // A non-owner's GRANT only warns ("no privileges were granted"): refuse instead of reporting grants that are not there.
  if (!(await ownsSchema(pool, schema))) throw new Error(`${user} does not own schema ${schema}: run \`acvloop db migrate\` as the owner`);
  const tables = await tablesOf(pool, schema);
  const forDba: string[] = [];
  const roles: RoleOutcome[] = [];
  for (const purpose of ['worker', 'serve'] as const) {
    const { name, password } = specs[purpose];
    const outcome: RoleOutcome = { purpose, role: name, created: false, passwordSet: false, granted: false };
    roles.push(outcome);
    const exists = await roleInfo(pool, name, schema);
    if (exists) refuseOverprivileged(purpose, name, user, schema, exists);
    const login = `${exists ? 'ALTER' : 'CREATE'} ROLE ${escapeIdentifier(name)} LOGIN`;
    const withPassword = password ? `${login} PASSWORD ${escapeLiteral(scramVerifier(password))}` : login;
    if (!exists || password) {
      try {
        await pool.query(withPassword);
        outcome.created = !exists;
        outcome.passwordSet = Boolean(password);
      } catch (err) {
        if ((err as { code?: string }).code !== NOT_ALLOWED) throw err;
        // The DBA sets the password themselves (psql's \password keeps it out of the server log): never printed here.
        forDba.push(login);
        if (!exists) {
          forDba.push(...grantStatements(purpose, name, schema, tables));
          continue;
        }
      }
    }
    const client = await pool.connect();
    try {
      await client.query('begin');
      for (const stmt of grantStatements(purpose, name, schema, tables)) await client.query(stmt);
      await client.query('commit');
      outcome.granted = true;
    } catch (err) {
      await client.query('rollback').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }
  return { roles, forDba };
}

async function tablesOf(pool: Pool, schema: string): Promise<string[]> {
  const r = await pool.query(
    `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p') order by c.relname`, [schema]);
  return r.rows.map((row: { relname: string }) => row.relname);
}

interface RoleInfo { superuser: boolean; actsAsOwner: boolean }

async function roleInfo(pool: Pool, role: string, schema: string): Promise<RoleInfo | null> {
  const r = await pool.query(
    `select r.rolsuper as superuser,
            coalesce((select pg_has_role(r.oid, n.nspowner, 'USAGE') from pg_namespace n where n.nspname = $2), false) as "actsAsOwner"
       from pg_roles r where r.rolname = $1`, [role, schema]);
  return r.rows[0] ?? null;
}

/** Least privilege means nothing for a role that is (or may act as) the owner or a superuser: say so instead. */
function refuseOverprivileged(purpose: RolePurpose, role: string, user: string, schema: string, info: RoleInfo): void {
  const flag = `--${purpose}-role`;
  if (role === user) throw new Error(`${role} is the user running migrate, the owner: give ${purpose === 'worker' ? 'the worker' : 'serve'} a role of its own (${flag})`);
  if (info.superuser || info.actsAsOwner) {
    throw new Error(`${role} is ${info.superuser ? 'a superuser' : `a member of the role that owns schema ${schema}`}: ` +
      `it could alter the tables and disable the audit log's triggers; choose another role with ${flag}`);
  }
}

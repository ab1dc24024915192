import { requireDbOptions } from '../env';
import { connect, migrate } from '../../sql/db';
import { checkRoleName, defaultRoleNames, setUpRoles, type RolesResult, type RoleOutcome } from '../../sql/roles';
import { printJson, say } from '../output';

export interface MigrateOptions {
  json?: boolean;
  /** false with --no-roles: only the migrations (roles are cluster-wide; someone else manages them). */
  roles?: boolean;
  workerRole?: string;
  serveRole?: string;
}

/** `acvloop db migrate`: the migrations, then the worker's and serve's roles with exactly their grants. */
export async function migrateCommand(opts: MigrateOptions): Promise<number> {
  const env = process.env;
  const handle = connect(requireDbOptions());
  try {
    const r = await migrate(handle);
    let roles: RolesResult | null = null;
    if (opts.roles !== false) {
      const names = defaultRoleNames(handle.schema);
      roles = await setUpRoles(handle, {
        worker: { name: checkRoleName(opts.workerRole ?? names.worker, '--worker-role'), password: env.ACVLOOP_WORKER_PASSWORD || undefined },
        serve: { name: checkRoleName(opts.serveRole ?? names.serve, '--serve-role'), password: env.ACVLOOP_SERVE_PASSWORD || undefined },
      });
    }
    if (opts.json) {
      printJson({ schema: handle.schema, applied: r.applied, alreadyApplied: r.alreadyApplied, roles: roles?.roles ?? [], forDba: roles?.forDba ?? [] });
      return 0;
    }
    say(r.applied.length ? `applied ${r.applied.join(', ')} in schema ${handle.schema}` : `schema ${handle.schema} is up to date (${r.alreadyApplied} migrations)`);
    if (roles) sayRoles(roles, handle.schema);
    return 0;
  } finally {
    await handle.close();
  }
}

const PROGRAM = { worker: 'the worker and the CLI', serve: 'acvloop serve' } as const;
const GRANTS = {
  worker: 'reads every table, inserts into them; no UPDATE, DELETE, TRUNCATE or DDL',
  serve: 'reads every table, inserts into audit_log only',
} as const;

function sayRoles(result: RolesResult, schema: string): void {
  for (const o of result.roles) say(`role ${o.role} (${PROGRAM[o.purpose]}): ${roleState(o)}`);
  if (!result.forDba.length) return;
  // A managed database: the migrations are applied; the roles wait for someone allowed to create them.
  say();
  say('This user may not create roles or set their passwords (no CREATEROLE). Ask a DBA to run:');
  say();
  for (const stmt of result.forDba) say(`  ${stmt};`);
  say();
  say('then to set each password in psql (which sends the server a verifier, never the password): ' +
    result.roles.filter((o) => !o.passwordSet).map((o) => `\\password ${o.role}`).join(', '));
  say(`and run \`acvloop db migrate\` again as the owner of schema ${schema} (it grants again whatever the DBA could not).`);
}

function roleState(o: RoleOutcome): string {
  if (!o.granted) return 'not set up: it does not exist yet';
  const how = [o.created ? 'created' : 'exists', o.passwordSet ? 'password set' : null].filter(Boolean).join(', ');
  return `${how}; ${GRANTS[o.purpose]}`;
}

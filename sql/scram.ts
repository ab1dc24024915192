import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** Postgres's own iteration count for the verifiers it computes (scram_iterations' default). */
const ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier Postgres stores for a password (RFC 5802, RFC
 * 7677), computed here so that `CREATE ROLE ... PASSWORD` carries the
 * verifier, never the password: a server logging DDL (log_statement) or
 * showing pg_stat_activity then shows nothing a login could use. psql's
 * `\password` does the same. The password is NFKC-normalized, as SASLprep
 * does for the clients (libpq, node-postgres) that log in with it.
 *
 * @example scramVerifier('secret').startsWith('SCRAM-SHA-256$4096:') // true
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

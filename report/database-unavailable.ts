/**
 * Whether an error means Postgres cannot be reached (refused, reset, shut
 * down, starting up), as opposed to a query that failed. serve answers the
 * first with a 503 that lasts as long as the outage, the second with a 500.
 * Serve's own until sql/db.ts has a classifier of the pool's errors.
 */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// Postgres SQLSTATEs: class 08 (connection exception), 57P01-57P03 (admin or crash shutdown, cannot connect now).
const SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123])$/;
const MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && (NETWORK.has(e.code) || SQLSTATE.test(e.code))) return true;
  if (typeof e.message === 'string' && MESSAGE.test(e.message)) return true;
  // Node's happy-eyeballs connect throws an AggregateError of each address's failure.
  if (Array.isArray(e.errors) && e.errors.some(isDatabaseUnavailable)) return true;
  return e.cause !== undefined && e.cause !== err && isDatabaseUnavailable(e.cause);
}

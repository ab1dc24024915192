/**
 * What a database outage looks like from this side of the wire (the server
 * restarted, failed over, or cannot be reached), as opposed to a query that
 * is wrong: an outage is waited out and retried, a wrong query is reported.
 */

// Node's socket errors that mean the server (or the route to it) is gone, for now.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'EAI_AGAIN']);

// SQLSTATEs of a server that is going away or not up yet: admin_shutdown, crash_shutdown, cannot_connect_now
// (starting up, shutting down, in recovery). Class 08 (connection exceptions) is matched as a class.
const SERVER_GOING_CODES = new Set(['57P01', '57P02', '57P03']);

// pg raises these as plain Errors without a code.
const PG_CONNECTION_MESSAGES = [
  /^Connection terminated/, // unexpectedly; due to connection timeout
  /^Client has encountered a connection error and is not queryable/,
  /^timeout exceeded when trying to connect/, // the pool's connectionTimeoutMillis
  /^Connection ended unexpectedly/,
];

/**
 * True when `err` (or its cause, or one of an AggregateError's errors) says
 * the database could not be reached or dropped the connection.
 * @example isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })) // true
 * @example isDatabaseUnavailable(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' })) // false
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return unavailableLeaf(err, 0) !== null;
}

/**
 * The short reason to show beside the address: the socket error code, or the
 * SQLSTATE and the server's words, or pg's message.
 * @example unavailableReason(Object.assign(new Error('the database system is starting up'), { code: '57P03' })) // '57P03 the database system is starting up'
 */
export function unavailableReason(err: unknown): string {
  const leaf = unavailableLeaf(err, 0) ?? err;
  const e = leaf as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(leaf);
  if (SOCKET_CODES.has(code)) return code;
  return code && !message.includes(code) ? `${code} ${message}` : message;
}

function unavailableLeaf(err: unknown, depth: number): unknown {
  if (!err || typeof err !== 'object' || depth > 5) return null;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (SOCKET_CODES.has(code) || SERVER_GOING_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return err;
  if (typeof e.message === 'string' && PG_CONNECTION_MESSAGES.some((re) => re.test(e.message as string))) return err;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const leaf = unavailableLeaf(inner, depth + 1);
      if (leaf) return leaf;
    }
  }
  return unavailableLeaf(e.cause, depth + 1);
}

/**
 * HOST:PORT of a postgres:// URL, for messages (never the user or password).
 * @example databaseAddress('postgres://u:secret@db.internal/acv') // 'db.internal:5432'
 */
export function databaseAddress(url: string): string {
  try {
    const u = new URL(url);
    // A Unix socket is given as ?host=/var/run/postgresql.
    const host = u.searchParams.get('host') || decodeURIComponent(u.hostname) || 'localhost';
    return `${host}:${u.port || u.searchParams.get('port') || '5432'}`;
  } catch {
    return '(an unparsable DATABASE_URL)';
  }
}

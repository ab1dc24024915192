import { Client, type ClientConfig, type Pool } from 'pg';
import { unavailableReason } from './outage';

/**
 * How long opening one connection (TCP and the startup handshake) may take
 * before it fails: a server that accepts nothing (a failover in progress, a
 * dropped route) is then an error the caller can retry, not a hang.
 */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * TCP keepalive after this much silence on an open connection, so a server
 * that vanished without closing its sockets is eventually noticed instead of
 * a query waiting on it forever.
 */
const KEEPALIVE_AFTER_MS = 10_000;

/**
 * A pg Client whose own connect is bounded by CONNECT_TIMEOUT_MS. Given to
 * the Pool as its client class rather than setting the pool's
 * `connectionTimeoutMillis`, which would also bound the wait for a free
 * pool slot and fail a healthy but busy pool (stages hold a client for
 * their whole transaction).
 */
export class BoundedConnectClient extends Client {
  constructor(config?: ClientConfig) {
    super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, keepAliveInitialDelayMillis: KEEPALIVE_AFTER_MS });
  }
}

/**
 * Gives every connection of `pool` an owner for its 'error' event. pg emits
 * it on a client whose server went away; the pool listens on idle clients
 * only, so a checked-out client (kysely's, a stage's transaction, a COPY)
 * with no listener would throw it as an uncaught exception and take the
 * process down. The query in flight on that client still rejects with the
 * error, which is where it is handled; here it is only reported, once per
 * outage (a restart breaks every connection at once).
 */
export function ownConnectionErrors(pool: Pool, address: string, log: (msg: string) => void): void {
  let lost = false;
  const onLost = (err: Error) => {
    if (lost) return;
    lost = true;
    log(`acvloop: lost the connection to the database at ${address} (${unavailableReason(err)}); new connections are opened once it answers`);
  };
  pool.on('error', onLost);
  pool.on('connect', (client) => {
    // A new connection succeeded: the outage, if any, is over, and the next one is reported again.
    lost = false;
    client.on('error', onLost);
  });
}

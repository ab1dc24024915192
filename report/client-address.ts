import type http from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * Who is on the other end of a request, as far as serve may believe it: the
 * socket's own address, and what a proxy says (X-Forwarded-For,
 * X-Forwarded-Proto) only when the socket is one of `serve.trustedProxies`.
 * Anyone can send those headers; only a trusted proxy's are worth reading.
 */

/** An address as written in the config: a server on `::` sees 127.0.0.1 as ::ffff:127.0.0.1. */
const plain = (address: string): string => address.trim().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');

function socketAddress(req: http.IncomingMessage): string {
  return plain(req.socket.remoteAddress ?? '');
}

export function fromTrustedProxy(req: http.IncomingMessage, trustedProxies: readonly string[]): boolean {
  const address = socketAddress(req);
  return address !== '' && trustedProxies.some((p) => plain(p) === address);
}

/** A header's comma-separated values, repeated headers joined. */
function listHeader(req: http.IncomingMessage, name: string): string[] {
  const v = req.headers[name];
  return (Array.isArray(v) ? v.join(',') : v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * The client's address: the socket's, or behind trusted proxies the nearest
 * X-Forwarded-For entry that is not itself a trusted proxy. Entries further
 * left were written by whoever sent the request and may be made up.
 */
export function clientAddress(req: http.IncomingMessage, trustedProxies: readonly string[]): string {
  if (!fromTrustedProxy(req, trustedProxies)) return socketAddress(req);
  const hops = listHeader(req, 'x-forwarded-for').map(plain);
  for (let i = hops.length - 1; i >= 0; i--) if (!trustedProxies.some((p) => plain(p) === hops[i])) return hops[i];
  return hops[0] ?? socketAddress(req);
}

/** Whether the browser reached us over https: our own TLS, or a trusted proxy's X-Forwarded-Proto (its last value, the one it set). */
export function isHttps(req: http.IncomingMessage, trustedProxies: readonly string[]): boolean {
  if ((req.socket as TLSSocket).encrypted) return true;
  return fromTrustedProxy(req, trustedProxies) && listHeader(req, 'x-forwarded-proto').at(-1)?.toLowerCase() === 'https';
}

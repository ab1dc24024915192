import http from 'node:http';
import https from 'node:https';

/**
 * One HTTP(S) request with what fetch cannot set: the local address it comes
 * from (any 127.x.y.z on Linux is this machine, so a test can be several
 * clients) and the CA that a test's self-signed certificate is checked with.
 */
export interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }

export function request(url: string, o: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string; ca?: string | Buffer } = {}): Promise<Answer> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = send(u, { method: o.method ?? 'GET', headers: o.headers, localAddress: o.localAddress, ca: o.ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** A form POST. */
export const postForm = (url: string, fields: Record<string, string>, o: Parameters<typeof request>[1] = {}) => request(url, {
  ...o, method: 'POST', body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...o.headers },
});

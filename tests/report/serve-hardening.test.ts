import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, tokenSha256 } from '../../config/schema';
import { createReportServer, type ReportServer, type ServeOptions } from '../../report/server';
import { suiteDb } from '../helpers/db';
import { postForm, request, type Answer } from '../helpers/http-request';
import { connectTemporal, type TemporalHarness } from '../helpers/temporal';

/**
 * The sign-off page's hardening over HTTP(S), on a real Temporal client and
 * Postgres: the cookie is Secure only when the browser came over https
 * (directly, or by a trusted proxy's word); sign-out drops the cookie;
 * failed sign-ins are limited per client address (the socket's, or the one a
 * trusted proxy forwards) and audited without the token; an internal error
 * answers a 500 whose id finds the error in the log and whose page does not
 * carry the error's text. Other addresses of this machine (127.0.0.x) stand
 * in for other clients.
 */
const TOKEN = 'erin-hardening-token-1';
const WRONG = ['wrong-guess-aaaa', 'wrong-guess-bbbb', 'wrong-guess-cccc', 'wrong-guess-dddd'];
let db: Awaited<ReturnType<typeof suiteDb>>;
let t: TemporalHarness;
const servers: ReportServer[] = [];
const tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-serve-tls-'));
let cert: Buffer;

beforeAll(async () => {
  db = await suiteDb('serve_hardening');
  t = await connectTemporal('serve-hardening');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(tlsDir, 'key.pem'), '-out', path.join(tlsDir, 'cert.pem')], { stdio: 'ignore' });
  cert = fs.readFileSync(path.join(tlsDir, 'cert.pem'));
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await t?.close();
  await db?.drop();
  fs.rmSync(tlsDir, { recursive: true, force: true });
});

/** A serve on a free port with this `serve` section; its base URL. */
async function serve(section: Record<string, unknown> = {}, extra: Partial<ServeOptions> = {}): Promise<string> {
  const config = configSchema.parse({ reviewers: [{ name: 'erin', roles: ['approver'], tokenSha256: tokenSha256(TOKEN) }], serve: section });
  const server = createReportServer({ handle: db, client: t.client, config, ...extra });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `${extra.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const signIn = (base: string, token: string, o: Parameters<typeof postForm>[2] = {}) => postForm(`${base}/login`, { token }, { ca: cert, ...o });
/** What a browser's Accept header says when it navigates to a page. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const setCookie = (a: Answer) => String(a.headers['set-cookie'] ?? '');

describe('the session cookie', () => {
  it('is Secure over https, directly or by a trusted proxy\'s word, and not over plain http or from an untrusted forwarder', async () => {
    const plain = await serve();
    const direct = await serve({}, { tls: { cert, key: fs.readFileSync(path.join(tlsDir, 'key.pem')) } });
    const proxied = await serve({ trustedProxies: ['127.0.0.1'] });
    const https = { 'x-forwarded-proto': 'https' };

    const overHttp = await signIn(plain, TOKEN);
    expect(overHttp.status).toBe(303);
    expect(setCookie(overHttp)).toMatch(/^acvloop_token=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    expect(setCookie(overHttp)).not.toMatch(/Secure/);
    // A forwarded-proto header means nothing when no proxy is trusted...
    expect(setCookie(await signIn(plain, TOKEN, { headers: https }))).not.toMatch(/Secure/);

    const overTls = await signIn(direct, TOKEN);
    expect(overTls.status).toBe(303);
    expect(setCookie(overTls)).toMatch(/; HttpOnly; SameSite=Strict; Path=\/; Secure/);

    expect(setCookie(await signIn(proxied, TOKEN, { headers: https }))).toMatch(/; Secure/);
    expect(setCookie(await signIn(proxied, TOKEN))).not.toMatch(/Secure/);
    // ...nor from an address that is not the trusted proxy.
    expect(setCookie(await signIn(proxied, TOKEN, { headers: https, localAddress: '127.0.0.2' }))).not.toMatch(/Secure/);
  });
});

describe('sign-out', () => {
  it('is a button on the pages; it clears the cookie and the next page asks to sign in', async () => {
    const base = await serve();
    const jar = new Map<string, string>();
    /** What a browser keeps from a Set-Cookie: the value, or nothing once Max-Age=0. */
    const keep = (a: Answer) => {
      const [pair, ...attrs] = setCookie(a).split(/;\s*/);
      const [name, value] = pair.split('=');
      if (attrs.some((x) => /^Max-Age=0$/i.test(x)) || !value) jar.delete(name);
      else jar.set(name, value);
    };
    const cookie = () => ({ cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') });

    keep(await signIn(base, TOKEN));
    expect(jar.has('acvloop_token')).toBe(true);
    const list = await request(`${base}/`, { headers: cookie() });
    expect(list.status).toBe(200);
    expect(list.body).toMatch(/<form method="post" action="\/logout"[^>]*><button type="submit">Sign out<\/button><\/form>/);

    const out = await request(`${base}/logout`, { method: 'POST', headers: cookie() });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect(setCookie(out)).toMatch(/^acvloop_token=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0/);
    keep(out);
    expect(jar.has('acvloop_token')).toBe(false);

    const next = await request(`${base}/`, { headers: { ...cookie(), accept: BROWSER_ACCEPT } });
    expect(next.status).toBe(303);
    expect(next.headers.location).toBe('/login');
    expect((await request(`${base}/login`)).body).toContain('Your reviewer token');
  });

  it('is refused from another site', async () => {
    const base = await serve();
    const r = await request(`${base}/logout`, { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(r.status).toBe(403);
    expect(r.headers['set-cookie']).toBeUndefined();
  });
});

describe('failed sign-ins', () => {
  it('answer 429 with Retry-After after max failures from one socket address, for every token check, while another address may still try', async () => {
    const base = await serve({ signInFailures: { max: 3, window: '15m' } });
    const from = { localAddress: '127.0.0.2' };
    for (const w of WRONG.slice(0, 3)) expect((await signIn(base, w, from)).status).toBe(401);
    const limited = await signIn(base, WRONG[3], from);
    expect(limited.status).toBe(429);
    const wait = Number(limited.headers['retry-after']);
    expect(wait).toBeGreaterThan(800);
    expect(wait).toBeLessThanOrEqual(900);
    expect(limited.body).toContain('Too many failed sign-ins');
    // While it waits, no token is checked from there: not the right one, not as a Bearer, not behind a made-up forwarder.
    expect((await signIn(base, TOKEN, from)).status).toBe(429);
    expect((await request(`${base}/`, { ...from, headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(429);
    expect((await signIn(base, TOKEN, { ...from, headers: { 'x-forwarded-for': '198.51.100.9' } })).status).toBe(429);

    expect((await signIn(base, WRONG[0], { localAddress: '127.0.0.3' })).status).toBe(401);
    expect((await signIn(base, TOKEN, { localAddress: '127.0.0.3' })).status).toBe(303);
  });

  it('count a wrong Bearer token too', async () => {
    const base = await serve({ signInFailures: { max: 2, window: '1m' } });
    const from = { localAddress: '127.0.0.5' };
    for (const w of WRONG.slice(0, 2)) expect((await request(`${base}/`, { ...from, headers: { authorization: `Bearer ${w}` } })).status).toBe(401);
    expect((await request(`${base}/`, { ...from, headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(429);
    const failed = await db.db.selectFrom('audit_log').select('after').where('action', '=', 'serve.sign_in_failed').execute();
    expect(failed.filter((r) => (r.after as { address?: string }).address === '127.0.0.5').map((r) => (r.after as { via: string }).via)).toEqual(['bearer', 'bearer']);
  });

  it('are counted by the address a trusted proxy forwards, its nearest untrusted hop', async () => {
    const base = await serve({ trustedProxies: ['127.0.0.1'], signInFailures: { max: 2, window: '15m' } });
    const client = (addr: string) => ({ headers: { 'x-forwarded-for': addr } });
    for (const w of WRONG.slice(0, 2)) expect((await signIn(base, w, client('203.0.113.5'))).status).toBe(401);
    expect((await signIn(base, WRONG[2], client('203.0.113.5'))).status).toBe(429);
    // A client cannot escape by writing another address in front of its own.
    expect((await signIn(base, TOKEN, client('203.0.113.77, 203.0.113.5'))).status).toBe(429);
    expect((await signIn(base, WRONG[2], client('203.0.113.6'))).status).toBe(401);
    expect((await signIn(base, TOKEN, client('203.0.113.6'))).status).toBe(303);
  });

  it('are audited, success and failure, with the address and without the token', async () => {
    const base = await serve();
    const from = { localAddress: '127.0.0.4' };
    expect((await signIn(base, WRONG[0], from)).status).toBe(401);
    expect((await signIn(base, TOKEN, from)).status).toBe(303);
    const rows = await db.db.selectFrom('audit_log').selectAll().where('action', 'like', 'serve.sign_in%').orderBy('id').execute();
    const mine = rows.filter((r) => (r.after as { address?: string } | null)?.address === '127.0.0.4');
    expect(mine.map((r) => [r.action, r.actor])).toEqual([['serve.sign_in_failed', '(unknown)'], ['serve.sign_in', 'erin']]);
    expect(mine[0].after).toMatchObject({ address: '127.0.0.4', via: 'form', failuresInWindow: 1 });
    // Not the token, and not its hash either (a wrong token may be a typo of a right one).
    const text = JSON.stringify(rows);
    for (const secret of [TOKEN, ...WRONG]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(tokenSha256(secret));
    }
  });
});

describe('an internal error', () => {
  it('answers 500 with an id that finds the error and its stack in the log; the page has neither', async () => {
    const log: string[] = [];
    const base = await serve({}, {
      log: (line) => log.push(line),
      injectFault: (req) => (req.url === '/runs/breaks' ? new Error('relation "secret_internals" exploded') : null),
    });
    const r = await request(`${base}/runs/breaks`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(500);
    expect(r.body).toContain('An internal error happened');
    const id = /under id <code>([0-9a-f]{12})<\/code>/.exec(r.body)?.[1];
    expect(id).toBeDefined();
    expect(r.body).not.toMatch(/secret_internals|exploded|at .*\.ts:\d+/);
    const line = log.find((l) => l.includes(id!));
    expect(line).toMatch(/internal error [0-9a-f]{12} on GET \/runs\/breaks: Error: relation "secret_internals" exploded\n\s+at /);
    expect(line).not.toContain(TOKEN);
    // Ids differ per error, so one finds one.
    const again = await request(`${base}/runs/breaks`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(/under id <code>([0-9a-f]{12})<\/code>/.exec(again.body)?.[1]).not.toBe(id);
  });
});

describe('a client that is not a browser', () => {
  it('gets 401 with WWW-Authenticate for a wrong or missing Bearer token, where a browser is sent to the sign-in page', async () => {
    const base = await serve();
    const wrong = await request(`${base}/`, { localAddress: '127.0.0.6', headers: { authorization: `Bearer ${WRONG[0]}`, accept: 'application/json' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.location).toBeUndefined();
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="acvloop", error="invalid_token", error_description="the token belongs to no reviewer in the config"');
    expect(wrong.body).not.toContain(WRONG[0]);
    // A wrong Bearer token is a script's, whatever it accepts.
    expect((await request(`${base}/`, { localAddress: '127.0.0.6', headers: { authorization: `Bearer ${WRONG[1]}`, accept: BROWSER_ACCEPT } })).status).toBe(401);
    const none = await request(`${base}/runs/x`, { headers: { accept: 'application/json' } });
    expect([none.status, none.headers['www-authenticate']]).toEqual([401, 'Bearer realm="acvloop"']);
    expect((await request(`${base}/`)).status).toBe(401);
    const browser = await request(`${base}/`, { headers: { accept: BROWSER_ACCEPT } });
    expect([browser.status, browser.headers.location, browser.headers['www-authenticate']]).toEqual([303, '/login', undefined]);
    const right = await request(`${base}/`, { localAddress: '127.0.0.6', headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' } });
    expect(right.status).toBe(200);
  });
});

import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Client } from '@temporalio/client';
import { parseDuration } from '../lib/duration';
import { tokenSha256, type AcvloopConfig, type Reviewer } from '../config/schema';
import { DecisionRefused, decideAudited } from '../temporal/client';
import { writeAudit } from '../store/audit-log';
import { runExists } from '../store/runs';
import type { Db } from '../sql/db';
import { runList } from '../queries/run-list';
import { runStatus, type RunReport } from '../queries/run-report';
import { clientAddress, fromTrustedProxy, isHttps } from './client-address';
import { isDatabaseUnavailable } from '../sql/outage';
import { SignInLimiter } from './sign-in-limiter';
import { esc } from './escape';
import { buildRunReport } from './html';

/**
 * `acvloop serve`: the reports live, and the sign-off on the page. Who is
 * asking comes from a reviewer's token (Authorization: Bearer, or the
 * HttpOnly cookie the login form sets; compared by sha256 with the config's
 * `tokenSha256`, never stored, logged or put in a URL) or, behind a proxy
 * that authenticates, from its identity header when the request comes from a
 * trusted proxy address. A decision is the same Temporal Update the CLI
 * sends, in the reviewer's own name; the workflow's refusal is shown in its
 * words. Viewers see everything and cannot decide.
 *
 * Hardened for the open network: the cookie is Secure whenever the browser
 * came over https; failed token checks are limited per client address and
 * audited (never the token); a database outage answers 503 with Retry-After
 * until the database is back, without a restart; any other failure answers a
 * 500 with an id that finds the error and its stack in the server's log.
 */
export interface ServeOptions {
  handle: Db;
  client: Client;
  config: AcvloopConfig;
  /** Serve https directly with this certificate and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Where the server's log lines go (default: stderr). */
  log?: (line: string) => void;
  /** Test-only: an error to throw while answering a request, to exercise the 500 page on a real stack. */
  injectFault?: (req: http.IncomingMessage) => Error | null;
}

export type ReportServer = http.Server | https.Server;

/** How a signed-in reviewer got in: the sign-out button is for a browser's cookie only. */
interface Session { reviewer: Reviewer; via: 'proxy' | 'bearer' | 'cookie' }

interface Context extends ServeOptions { limiter: SignInLimiter; log: (line: string) => void }

/** Seconds a client is asked to wait while the database is unreachable. */
const DATABASE_RETRY_AFTER_S = 10;
const COOKIE = 'acvloop_token';
const COOKIE_VALUE = new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]+)`);

/** The reviewer a request speaks for (a trusted proxy's identity header, else its token), without counting or auditing a failure. */
export function identify(req: http.IncomingMessage, config: AcvloopConfig): Reviewer | null {
  const token = presentedToken(req);
  return proxyIdentity(req, config) ?? (token ? reviewerOfToken(token.token, config) : null);
}

/** The reviewer named by a trusted proxy's identity header. */
function proxyIdentity(req: http.IncomingMessage, config: AcvloopConfig): Reviewer | null {
  const header = config.serve.identityHeader?.toLowerCase();
  if (!header || !fromTrustedProxy(req, config.serve.trustedProxies)) return null;
  const name = req.headers[header];
  return (typeof name === 'string' ? config.reviewers.find((x) => x.name === name) : undefined) ?? null;
}

function presentedToken(req: http.IncomingMessage): { token: string; via: 'bearer' | 'cookie' } | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return { token: auth.slice(7).trim(), via: 'bearer' };
  const cookie = COOKIE_VALUE.exec(req.headers.cookie ?? '')?.[1];
  return cookie ? { token: decodedCookie(cookie), via: 'cookie' } : null;
}

/** A mangled cookie is a wrong token, not an internal error. */
function decodedCookie(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The reviewer whose tokenSha256 is this token's (compared in constant time), or null. */
function reviewerOfToken(token: string, config: AcvloopConfig): Reviewer | null {
  const digest = Buffer.from(tokenSha256(token), 'hex');
  return config.reviewers.find((r) => r.tokenSha256 && timingSafeEqual(Buffer.from(r.tokenSha256, 'hex'), digest)) ?? null;
}

function page(title: string, body: string, who: Session | null): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:0 auto;padding:1.5rem}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #dadce0;padding:.3rem .5rem;text-align:left}th{background:#f1f3f4}.refused{color:#b3261e;font-weight:600}</style></head>
<body>${banner(who)}<main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

const banner = (who: Session | null) => (who
  ? `<nav class="who" aria-label="Signed-in reviewer"><p style="text-align:right">Signed in as <strong>${esc(who.reviewer.name)}</strong> (${esc(who.reviewer.roles.join(', '))}) · <a href="/">runs</a>${
    who.via === 'cookie' ? ' · <form method="post" action="/logout" style="display:inline"><button type="submit">Sign out</button></form>' : ''}</p></nav>` : '');

async function readBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 64 * 1024) throw new Error('request body too large');
  }
  return new URLSearchParams(text);
}

function send(res: http.ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'", ...headers });
  res.end(html);
}

export function createReportServer(o: ServeOptions): ReportServer {
  const log = o.log ?? ((line: string) => void process.stderr.write(line + '\n'));
  const { max, window } = o.config.serve.signInFailures;
  const ctx: Context = { ...o, log, limiter: new SignInLimiter(max, parseDuration(window, 'serve.signInFailures.window')) };
  const listener: http.RequestListener = (req, res) => {
    handle(ctx, req, res).catch((err) => answerFailure(ctx, req, res, err));
  };
  return o.tls ? https.createServer({ cert: o.tls.cert, key: o.tls.key }, listener) : http.createServer(listener);
}

/** An error's code or class, never its text: a message may quote a row or a connection string. */
const describe = (err: unknown) => String((err as { code?: unknown })?.code ?? (err as Error)?.name ?? 'unknown');

/**
 * A request that failed: 503 while the database is unreachable (the next
 * request tries again, so serve recovers by itself), else 500 with an id
 * that is logged with the error and its stack. The page never carries the
 * error's text; the log never carries the request's headers (tokens).
 */
function answerFailure(ctx: Context, req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void {
  const path = new URL(req.url ?? '/', 'http://acvloop.local').pathname;
  if (isDatabaseUnavailable(err)) {
    ctx.log(`acvloop serve: the database is unreachable (${describe(err)}); answered ${req.method} ${path} with 503`);
    if (res.headersSent) return void res.destroy();
    return send(res, 503, page('Database unavailable', `<p role="alert">The database is unreachable, so acvloop cannot show this page right now.</p>
<p>Nothing is lost: this page works again by itself once the database is back. Try again in a few seconds.</p>`, null),
    { 'retry-after': String(DATABASE_RETRY_AFTER_S) });
  }
  const id = randomBytes(6).toString('hex');
  ctx.log(`acvloop serve: internal error ${id} on ${req.method} ${path}: ${(err as Error)?.stack ?? String(err)}`);
  if (res.headersSent) return void res.destroy();
  send(res, 500, page('Internal error', `<p role="alert">An internal error happened while answering this request.</p>
<p>It is recorded in the server's log under id <code>${id}</code>: give that id to whoever runs acvloop to find it.</p>`, null));
}

function tooManyAttempts(res: http.ServerResponse, waitS: number): void {
  send(res, 429, page('Sign in', `<p class="refused" role="alert">Too many failed sign-ins from your address. Try again in ${waitS} seconds.</p>`, null),
    { 'retry-after': String(waitS) });
}

function tokenCookie(req: http.IncomingMessage, ctx: Context, value: string, maxAge?: number): string {
  const secure = isHttps(req, ctx.config.serve.trustedProxies) ? '; Secure' : '';
  return `${COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/${secure}${maxAge === undefined ? '' : `; Max-Age=${maxAge}`}`;
}

/** A token that matched no reviewer: counted against the address and audited with the address, never the token nor its hash. */
async function failedSignIn(ctx: Context, address: string, via: string): Promise<void> {
  const failures = ctx.limiter.failed(address);
  await writeAudit(ctx.handle.pool, { actor: '(unknown)', action: 'serve.sign_in_failed', runId: null,
    after: { address, via, failuresInWindow: failures }, reason: 'the token belongs to no reviewer in the config' });
}

/**
 * A browser finding its way (a page it navigates to asks for HTML, with no
 * Authorization header) is sent to the sign-in page; anything else, a script
 * with a Bearer token or a client that does not ask for HTML, cannot use a
 * sign-in form and is told 401 with how to authenticate (RFC 6750).
 */
const isBrowser = (req: http.IncomingMessage) => !req.headers.authorization && /\btext\/html\b/i.test(req.headers.accept ?? '');

function unauthenticated(req: http.IncomingMessage, res: http.ServerResponse, wrongToken: boolean, headers: Record<string, string> = {}): void {
  if (isBrowser(req)) return send(res, 303, '', { location: '/login', ...headers });
  const challenge = `Bearer realm="acvloop"${wrongToken ? ', error="invalid_token", error_description="the token belongs to no reviewer in the config"' : ''}`;
  res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'www-authenticate': challenge, ...headers });
  res.end(wrongToken ? 'The token belongs to no reviewer in the config.\n' : 'Sign in: send Authorization: Bearer TOKEN.\n');
}

/**
 * The reviewer making this request, or null once the response is sent (a
 * redirect to the sign-in page for a browser, 401 for any other client, or
 * 429). Every token check is an attempt: a
 * wrong Bearer token or a stale cookie counts like a wrong token in the form,
 * and a limited address has no token checked at all (so no correct guess
 * gets through while it waits). A proxy's identity is the proxy's business.
 */
async function authenticate(ctx: Context, req: http.IncomingMessage, res: http.ServerResponse): Promise<Session | null> {
  const proxied = proxyIdentity(req, ctx.config);
  if (proxied) return { reviewer: proxied, via: 'proxy' };
  const presented = presentedToken(req);
  if (!presented) return unauthenticated(req, res, false), null;
  const address = clientAddress(req, ctx.config.serve.trustedProxies);
  const wait = ctx.limiter.waitSeconds(address);
  if (wait) return tooManyAttempts(res, wait), null;
  const reviewer = reviewerOfToken(presented.token, ctx.config);
  if (reviewer) return { reviewer, via: presented.via };
  await failedSignIn(ctx, address, presented.via);
  // A stale cookie (a token since removed from the config) is dropped, so it is not counted again on every page.
  unauthenticated(req, res, true, presented.via === 'cookie' ? { 'set-cookie': tokenCookie(req, ctx, '', 0) } : {});
  return null;
}

async function signIn(ctx: Context, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const address = clientAddress(req, ctx.config.serve.trustedProxies);
  const wait = ctx.limiter.waitSeconds(address);
  if (wait) return tooManyAttempts(res, wait);
  const token = (await readBody(req)).get('token') ?? '';
  const reviewer = reviewerOfToken(token, ctx.config);
  if (!reviewer) {
    await failedSignIn(ctx, address, 'form');
    return send(res, 401, page('Sign in', `<p class="refused">That token belongs to no reviewer in the config.</p>${loginForm()}`, null));
  }
  ctx.limiter.succeeded(address);
  await writeAudit(ctx.handle.pool, { actor: reviewer.name, action: 'serve.sign_in', runId: null, after: { address, via: 'form' } });
  return send(res, 303, '', { location: '/', 'set-cookie': tokenCookie(req, ctx, encodeURIComponent(token)) });
}

/** A form of this site only (the cookie is SameSite=Strict; a stated Origin must be ours). */
const foreignOrigin = (req: http.IncomingMessage) => !!req.headers.origin && new URL(req.headers.origin).host !== req.headers.host;

async function handle(ctx: Context, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://acvloop.local');
  // Browsers ask for an icon on their own; answer it without a sign-in so it is not an error on every page.
  if (url.pathname === '/favicon.ico') return void res.writeHead(204, { 'cache-control': 'max-age=86400' }).end();
  const fault = ctx.injectFault?.(req);
  if (fault) throw fault;
  if (url.pathname === '/login') return req.method === 'POST' ? signIn(ctx, req, res) : send(res, 200, page('Sign in', loginForm(), null));
  if (url.pathname === '/logout' && req.method === 'POST') {
    if (foreignOrigin(req)) return send(res, 403, page('Refused', '<p class="refused">A sign-out must come from this site.</p>', null));
    // Works whatever the token and whether or not the database answers: the browser forgets the cookie.
    return send(res, 303, '', { location: '/login', 'set-cookie': tokenCookie(req, ctx, '', 0) });
  }
  const who = await authenticate(ctx, req, res);
  if (!who) return;

  if (url.pathname === '/' && req.method === 'GET') {
    const runs = await runList(ctx.handle);
    const rows = runs.map((r) => `<tr><td><a href="/runs/${encodeURIComponent(r.run_id)}">${esc(r.run_id)}</a></td><td>${esc(r.month)}</td>
      <td>${esc(runStatus({ outcome: r.outcome, published: r.published !== null, scored: !!r.scored, decided: r.decided !== null, requiredApprovers: r.required_approvers }))}</td><td>${esc(r.requested_by)}</td><td>${esc(r.decided_by ?? '—')}</td></tr>`).join('');
    return send(res, 200, page('acvloop runs', `<table><thead><tr><th>run</th><th>month</th><th>status</th><th>requested by</th><th>decided by</th></tr></thead><tbody>${rows}</tbody></table>`, who));
  }
  const m = /^\/runs\/([^/]+)(\/decide)?$/.exec(url.pathname);
  if (!m) return send(res, 404, page('Not found', '<p>No such page.</p>', who));
  const runId = decodeURIComponent(m[1]);
  if (!(await runExists(ctx.handle.db, runId))) return send(res, 404, page('Not found', `<p>No run ${esc(runId)}.</p>`, who));

  if (m[2] && req.method === 'POST') {
    if (foreignOrigin(req)) return send(res, 403, page('Refused', '<p class="refused">A decision must come from this site.</p>', who));
    const form = await readBody(req);
    const decision = form.get('decision') === 'reject' ? 'reject' : form.get('decision') === 'approve' ? 'approve' : null;
    if (!decision) return send(res, 400, page('Refused', '<p class="refused">decision must be approve or reject</p>', who));
    try {
      // Always in the signed-in reviewer's own name: the form carries no name.
      await decideAudited(ctx.client, ctx.handle, runId, { decision, reviewer: who.reviewer.name, reason: form.get('reason') ?? undefined });
    } catch (err) {
      // The workflow's refusal is for the reviewer; anything else is ours (a 503 or a 500 with an id), never its text on the page.
      if (!(err instanceof DecisionRefused)) throw err;
      return send(res, 409, await runPage(ctx, runId, who, `<p class="refused" role="alert">Refused: ${esc(err.why)}</p>`));
    }
    return send(res, 303, '', { location: `/runs/${encodeURIComponent(runId)}` });
  }
  if (!m[2] && req.method === 'GET') return send(res, 200, await runPage(ctx, runId, who));
  return send(res, 405, page('Not allowed', '<p>Method not allowed.</p>', who));
}

async function runPage(o: ServeOptions, runId: string, who: Session, notice = ''): Promise<string> {
  // A form only while the run waits at the gate (the workflow would refuse any other decision anyway).
  const box = (r: RunReport) => (r.status === 'awaiting_approval' ? decisionForm(runId, who.reviewer)
    : r.status === 'running'
      ? `<p>${r.approval ? `The run was ${esc(r.approval.decision)} by ${esc(r.approval.reviewer ?? '—')}; it is publishing.` : 'The run has not reached the approval gate yet.'}</p>`
      : `<p>The run is ${esc(r.status)}: it takes no more decisions.</p>`);
  return buildRunReport(o.handle, runId, { decision: (r) => `${notice}${box(r)}`, banner: banner(who) });
}

/**
 * The decision box. Whether a reviewer may decide is the workflow's call
 * alone (role, four eyes, one decision each, deadline), so the server does not
 * second-guess it: a viewer is told up front that a decision will be refused,
 * and one sent anyway is refused in the workflow's words and audited.
 */
function decisionForm(runId: string, who: Reviewer): string {
  const approver = who.roles.includes('approver');
  return `<form method="post" action="/runs/${encodeURIComponent(runId)}/decide" class="decide">
  <p>Decide as <strong>${esc(who.name)}</strong>${approver ? ':' : ` — ${esc(who.name)} is a viewer: viewers see everything and cannot decide; a decision sent from here is refused and recorded.`}</p>
  <label for="reason">Reason (required to reject)</label><br><textarea id="reason" name="reason" rows="2" cols="60"></textarea><br>
  <button type="submit" name="decision" value="approve">Approve</button> <button type="submit" name="decision" value="reject">Reject</button>
</form>`;
}

function loginForm(): string {
  return `<form method="post" action="/login"><label for="token">Your reviewer token</label><br>
<input id="token" name="token" type="password" autocomplete="current-password" size="50"> <button type="submit">Sign in</button></form>`;
}

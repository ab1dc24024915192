import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Client } from '@temporalio/client';
import { tokenSha256, type AcvloopConfig, type Reviewer } from '../governance/config';
import { DecisionRefused, decideAudited } from '../cli/temporal-client';
import type { Db } from '../sql/db';
import { runStatus, type RunReport } from '../cli/read-model';
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
 */
export interface ServeOptions { handle: Db; client: Client; config: AcvloopConfig }

export function identify(req: http.IncomingMessage, config: AcvloopConfig): Reviewer | null {
  const header = config.serve.identityHeader?.toLowerCase();
  if (header && config.serve.trustedProxies.includes(req.socket.remoteAddress ?? '')) {
    const name = req.headers[header];
    const r = typeof name === 'string' ? config.reviewers.find((x) => x.name === name) : undefined;
    if (r) return r;
  }
  const auth = req.headers.authorization;
  const cookie = /(?:^|;\s*)acvloop_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : cookie ? decodeURIComponent(cookie) : null;
  return token ? reviewerOfToken(token, config) : null;
}

/** The reviewer whose tokenSha256 is this token's (compared in constant time), or null. */
function reviewerOfToken(token: string, config: AcvloopConfig): Reviewer | null {
  const digest = Buffer.from(tokenSha256(token), 'hex');
  return config.reviewers.find((r) => r.tokenSha256 && timingSafeEqual(Buffer.from(r.tokenSha256, 'hex'), digest)) ?? null;
}

function page(title: string, body: string, who: Reviewer | null): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:0 auto;padding:1.5rem}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #dadce0;padding:.3rem .5rem;text-align:left}th{background:#f1f3f4}.refused{color:#b3261e;font-weight:600}</style></head>
<body>${banner(who)}<main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

const banner = (who: Reviewer | null) => (who
  ? `<nav class="who" aria-label="Signed-in reviewer"><p style="text-align:right">Signed in as <strong>${esc(who.name)}</strong> (${esc(who.roles.join(', '))}) · <a href="/">runs</a></p></nav>` : '');

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

const runList = async (handle: Db) => handle.db.selectFrom('runs')
  .leftJoin('run_outcomes', 'run_outcomes.run_id', 'runs.run_id')
  .leftJoin('approvals', 'approvals.run_id', 'runs.run_id')
  .leftJoin('approval_requests', 'approval_requests.run_id', 'runs.run_id')
  .leftJoin('publications', 'publications.run_id', 'runs.run_id')
  .select((eb) => ['runs.run_id', 'runs.month', 'runs.requested_by', 'runs.created_at', 'run_outcomes.status as outcome', 'approvals.reviewer as decided_by',
    'approvals.run_id as decided', 'approval_requests.required_approvers', 'publications.run_id as published',
    eb.exists(eb.selectFrom('run_stage_events').select('run_stage_events.id').whereRef('run_stage_events.run_id', '=', 'runs.run_id')
      .where('run_stage_events.stage', '=', 'score').where('run_stage_events.status', '=', 'completed')).as('scored')])
  .orderBy('runs.created_at', 'desc').limit(200).execute();

export function createReportServer(o: ServeOptions): http.Server {
  return http.createServer((req, res) => {
    handle(o, req, res).catch((err) => {
      // The reason, never the request: headers carry tokens.
      if (!res.headersSent) send(res, 500, page('Error', `<p>${esc((err as Error).message)}</p>`, null));
    });
  });
}

async function handle(o: ServeOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://acvloop.local');
  // Browsers ask for an icon on their own; answer it without a sign-in so it is not an error on every page.
  if (url.pathname === '/favicon.ico') return void res.writeHead(204, { 'cache-control': 'max-age=86400' }).end();
  if (url.pathname === '/login') {
    if (req.method === 'POST') {
      const token = (await readBody(req)).get('token') ?? '';
      if (!reviewerOfToken(token, o.config)) return send(res, 401, page('Sign in', `<p class="refused">That token belongs to no reviewer in the config.</p>${loginForm()}`, null));
      return send(res, 303, '', { location: '/', 'set-cookie': `acvloop_token=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/` });
    }
    return send(res, 200, page('Sign in', loginForm(), null));
  }
  const who = identify(req, o.config);
  if (!who) return send(res, 303, '', { location: '/login' });

  if (url.pathname === '/' && req.method === 'GET') {
    const runs = await runList(o.handle);
    const rows = runs.map((r) => `<tr><td><a href="/runs/${encodeURIComponent(r.run_id)}">${esc(r.run_id)}</a></td><td>${esc(r.month)}</td>
      <td>${esc(runStatus({ outcome: r.outcome, published: r.published !== null, scored: !!r.scored, decided: r.decided !== null, requiredApprovers: r.required_approvers }))}</td><td>${esc(r.requested_by)}</td><td>${esc(r.decided_by ?? '—')}</td></tr>`).join('');
    return send(res, 200, page('acvloop runs', `<table><thead><tr><th>run</th><th>month</th><th>status</th><th>requested by</th><th>decided by</th></tr></thead><tbody>${rows}</tbody></table>`, who));
  }
  const m = /^\/runs\/([^/]+)(\/decide)?$/.exec(url.pathname);
  if (!m) return send(res, 404, page('Not found', '<p>No such page.</p>', who));
  const runId = decodeURIComponent(m[1]);
  const exists = await o.handle.db.selectFrom('runs').select('run_id').where('run_id', '=', runId).executeTakeFirst();
  if (!exists) return send(res, 404, page('Not found', `<p>No run ${esc(runId)}.</p>`, who));

  if (m[2] && req.method === 'POST') {
    // A form of this site only (the cookie is SameSite=Strict; a stated Origin must be ours).
    if (req.headers.origin && new URL(req.headers.origin).host !== req.headers.host) return send(res, 403, page('Refused', '<p class="refused">A decision must come from this site.</p>', who));
    const form = await readBody(req);
    const decision = form.get('decision') === 'reject' ? 'reject' : form.get('decision') === 'approve' ? 'approve' : null;
    if (!decision) return send(res, 400, page('Refused', '<p class="refused">decision must be approve or reject</p>', who));
    try {
      // Always in the signed-in reviewer's own name: the form carries no name.
      await decideAudited(o.client, o.handle, runId, { decision, reviewer: who.name, reason: form.get('reason') ?? undefined });
    } catch (err) {
      const why = err instanceof DecisionRefused ? err.why : (err as Error).message;
      return send(res, 409, await runPage(o, runId, who, `<p class="refused" role="alert">Refused: ${esc(why)}</p>`));
    }
    return send(res, 303, '', { location: `/runs/${encodeURIComponent(runId)}` });
  }
  if (!m[2] && req.method === 'GET') return send(res, 200, await runPage(o, runId, who));
  return send(res, 405, page('Not allowed', '<p>Method not allowed.</p>', who));
}

async function runPage(o: ServeOptions, runId: string, who: Reviewer, notice = ''): Promise<string> {
  // A form only while the run waits at the gate (the workflow would refuse any other decision anyway).
  const box = (r: RunReport) => (r.status === 'awaiting_approval' ? decisionForm(runId, who)
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

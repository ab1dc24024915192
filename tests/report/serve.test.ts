import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identify } from '../../report/server';
import { startServedRun, type ServedRun } from '../helpers/served-run';

/**
 * Sign-off on the page, over HTTP against a real Temporal and Postgres: only
 * a configured reviewer's token gets in; a viewer sees and cannot decide;
 * the requester's approval is refused in the workflow's words; an approver's
 * decision completes the run. Tokens never appear in a page or a redirect.
 */
const TOKENS = { erin: 'erin-secret-token-1', gus: 'gus-secret-token-2', dee: 'dee-secret-token-3' };
let served: ServedRun;
let config: ServedRun['config'];
let db: ServedRun['db'];
let base: string;
let runId: string;

beforeAll(async () => {
  served = await startServedRun('serve', { seed: 13, requestedBy: 'dee', reviewers: [
    { name: 'erin', roles: ['approver'], token: TOKENS.erin },
    { name: 'gus', roles: ['viewer'], token: TOKENS.gus },
    { name: 'dee', roles: ['approver'], token: TOKENS.dee },
  ] });
  ({ config, db, base, runId } = served);
});

afterAll(async () => {
  await served?.close();
});

const get = (path: string, token?: string) => fetch(base + path, { redirect: 'manual', headers: token ? { authorization: `Bearer ${token}` } : {} });
const decide = (token: string, decision: string, reason = '') => fetch(`${base}/runs/${encodeURIComponent(runId)}/decide`, {
  method: 'POST', redirect: 'manual', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ decision, reason }).toString(),
});

describe('acvloop serve', () => {
  it('lets in only a configured reviewer\'s token', async () => {
    // A browser is sent to the sign-in page; a script gets 401.
    const browser = await fetch(`${base}/`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect([browser.status, browser.headers.get('location')]).toEqual([303, '/login']);
    expect((await get('/')).status).toBe(401);
    expect((await get('/', 'not-a-token')).status).toBe(401);
    const list = await get('/', TOKENS.gus);
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toContain(runId);
    expect(html).toMatch(/awaiting_approval/);
    // The login form sets an HttpOnly cookie; a wrong token is refused in words.
    const bad = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=nope' });
    expect(bad.status).toBe(401);
    const good = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${TOKENS.erin}` });
    expect(good.status).toBe(303);
    expect(good.headers.get('set-cookie')).toMatch(/^acvloop_token=.*; HttpOnly; SameSite=Strict; Path=\//);
    expect(good.headers.get('location')).not.toContain(TOKENS.erin);
  });

  it('shows a viewer everything and says a viewer cannot decide; a viewer\'s decision is refused in words', async () => {
    const page = await (await get(`/runs/${encodeURIComponent(runId)}`, TOKENS.gus)).text();
    for (const id of ['read', 'attribution', 'budget', 'decision']) expect(page).toContain(`<section id="${id}">`);
    expect(page).toContain('gus is a viewer: viewers see everything and cannot decide');
    const r = await decide(TOKENS.gus, 'approve');
    expect(r.status).toBe(409);
    expect(await r.text()).toMatch(/Refused: gus is a viewer in the run&#39;s config; only an approver may decide/);
  });

  it('refuses the requester in the workflow\'s words, then takes an approver\'s approval and the run completes', async () => {
    const own = await decide(TOKENS.dee, 'approve');
    expect(own.status).toBe(409);
    expect(await own.text()).toMatch(/Refused: dee requested this run and cannot decide on it \(four-eyes rule\)/);
    const page = await (await get(`/runs/${encodeURIComponent(runId)}`, TOKENS.erin)).text();
    expect(page).toMatch(/<form method="post" action="\/runs\/[^"]+\/decide"/);
    const ok = await decide(TOKENS.erin, 'approve', 'numbers reconcile');
    expect(ok.status).toBe(303);
    expect((await served.t.client.workflow.getHandle(runId).result()).status).toBe('completed');
    const approval = await db.db.selectFrom('approvals').select(['reviewer', 'reason']).where('run_id', '=', runId).executeTakeFirstOrThrow();
    expect(approval).toEqual({ reviewer: 'erin', reason: 'numbers reconcile' });
    const refusals = await db.db.selectFrom('audit_log').select('actor').where('run_id', '=', runId).where('action', '=', 'decision.refused').orderBy('id').execute();
    expect(refusals.map((x) => x.actor)).toEqual(['gus', 'dee']);
    for (const tok of Object.values(TOKENS)) expect(page).not.toContain(tok);
    const after = await (await get(`/runs/${encodeURIComponent(runId)}`, TOKENS.erin)).text();
    expect(after).toContain('The run is completed: it takes no more decisions.');
    expect(after).not.toMatch(/<form method="post" action="\/runs/);
  });

  it('trusts an identity header only from a configured proxy address', () => {
    const proxied = { ...config, serve: { ...config.serve, identityHeader: 'x-forwarded-user', trustedProxies: ['10.0.0.1'] } };
    const req = (addr: string) => ({ headers: { 'x-forwarded-user': 'erin' }, socket: { remoteAddress: addr } }) as unknown as http.IncomingMessage;
    expect(identify(req('10.0.0.1'), proxied)?.name).toBe('erin');
    expect(identify(req('10.0.0.2'), proxied)).toBeNull();
  });
});

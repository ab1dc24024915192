import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenSha256 } from '../../config/schema';
import { acvloop } from '../helpers/cli';

/**
 * A config file with mistakes, as an operator meets it: the command prints
 * one `acvloop: FILE: problem` line per mistake and exits 2 before anything
 * starts. Temporal and Postgres point at a closed port, so a command that got
 * past its config would say it cannot reach them (and exit 1) instead.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-config-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const nowhere = { TEMPORAL_ADDRESS: '127.0.0.1:1', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ACVLOOP_CONFIG: '' };
const write = (name: string, doc: unknown) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return f;
};
const drop = path.join(dir, 'drop');
fs.mkdirSync(drop);
fs.writeFileSync(path.join(drop, 'accounts.csv'), 'account_id\n');

const run = (config: string, env: NodeJS.ProcessEnv = {}) =>
  acvloop(['run', '--month', '2026-10', '--drop', drop, ...(config ? ['--config', config] : [])], { ...nowhere, ...env });
const serve = (config: string) => acvloop(['serve', '--port', '0', '--config', config], nowhere);
/** What the operator reads: exit code, stdout and the stderr lines. */
const seen = (r: { code: number; stdout: string; stderr: string }) => ({ code: r.code, stdout: r.stdout, lines: r.stderr.trimEnd().split('\n') });

const valid = {
  reviewers: [
    { name: 'erin', roles: ['approver'], tokenSha256: tokenSha256('erin-token') },
    { name: 'hal', roles: ['approver'], tokenSha256: tokenSha256('hal-token') },
    { name: 'gus', roles: ['viewer'] },
  ],
  approvals: { required: 2 },
};
const typos = {
  reviewers: [{ name: 'erin', roles: ['aprover'] }, { name: 'hal', roles: ['approver'], email: 'hal@example.com' }],
  approvals: { requird: 2, timeout: 'a week' },
  schedule: { hour: '2' },
};
const typoLines = (f: string) => [
  `acvloop: ${f}: reviewers[0].roles[0]: "aprover" is not one of "approver", "viewer" (did you mean "approver"?)`,
  `acvloop: ${f}: reviewers[1].email: unknown key (known keys here: name, roles, tokenSha256)`,
  `acvloop: ${f}: approvals.timeout: expected a duration like 7d, 12h, 30m or 90s, got "a week"`,
  `acvloop: ${f}: approvals.requird: unknown key (did you mean "required"?)`,
  `acvloop: ${f}: schedule.hour: expected a number, got "2" (a string)`,
];

describe('a config file with mistakes is refused before anything starts', () => {
  it('acvloop run and serve: every mistake on its own line, exit 2', async () => {
    const f = write('typos.json', typos);
    const [r, s, env] = await Promise.all([run(f), serve(f), run('', { ACVLOOP_CONFIG: f })]);
    expect(seen(r)).toEqual({ code: 2, stdout: '', lines: typoLines(f) });
    expect(seen(s)).toEqual({ code: 2, stdout: '', lines: typoLines(f) });
    expect(seen(env)).toEqual({ code: 2, stdout: '', lines: typoLines(f) });
  });

  it('names the key of a wrong type, a missing role, too many approvals and a reviewer listed twice', async () => {
    const approvals = write('approvals.json', {
      reviewers: [{ name: 'erin', roles: ['approver'] }, { name: 'gus', roles: ['viewer'] }],
      approvals: { required: 2, largeBudgetMove: { required: 3 } },
    });
    const twice = write('twice.json', { reviewers: [{ name: 'erin', roles: ['approver'] }, { name: 'erin', roles: ['viewer'] }], gate: { renewalAucMin: '0.6' } });
    const noRoles = write('no-roles.json', { reviewers: [{ name: 'erin', roles: [] }] });
    const [a, t, n] = await Promise.all([run(approvals), serve(twice), serve(noRoles)]);
    expect(seen(a)).toEqual({ code: 2, stdout: '', lines: [
      `acvloop: ${approvals}: approvals.required: 2 approvers needed, but only 1 reviewer has the approver role (erin): no run could be approved`,
      `acvloop: ${approvals}: approvals.largeBudgetMove.required: 3 approvers needed, but only 1 reviewer has the approver role (erin): no run could be approved`,
    ] });
    expect(seen(t)).toEqual({ code: 2, stdout: '', lines: [
      `acvloop: ${twice}: gate.renewalAucMin: expected a number, got "0.6" (a string)`,
      `acvloop: ${twice}: reviewers[1].name: "erin" is listed twice (also reviewers[0])`,
    ] });
    expect(seen(n)).toEqual({ code: 2, stdout: '', lines: [`acvloop: ${noRoles}: reviewers[0].roles: needs at least 1 item, got []`] });
  });

  it('says where a file is not JSON, and when it cannot be read', async () => {
    const broken = write('broken.json', '{\n  "approvals": { "required": 1, }\n}\n');
    const missing = path.join(dir, 'missing.json');
    const [b, m] = await Promise.all([run(broken), serve(missing)]);
    expect(seen(b)).toEqual({ code: 2, stdout: '', lines: [`acvloop: ${broken}: not JSON: line 2, column 33: expected a key in double quotes, found "}"`] });
    expect(seen(m)).toEqual({ code: 2, stdout: '', lines: [`acvloop: ${missing}: cannot read the config file: ENOENT: no such file or directory`] });
  });

  it('refuses it in the other commands that read a config: schedule and models', async () => {
    const f = write('schedule.json', { schedule: { timeZone: 'Mars/Olympus', dropPattern: 'drops/latest' } });
    const [sc, pr] = await Promise.all([
      acvloop(['schedule', 'create', '--config', f], nowhere),
      acvloop(['models', 'promote', 'run-1/forecast', '--by', 'erin', '--reason', 'x', '--config', f], nowhere),
    ]);
    const lines = [
      `acvloop: ${f}: schedule.dropPattern: "drops/latest" has no {month}, so every month would read the same drop`,
      `acvloop: ${f}: schedule.timeZone: "Mars/Olympus" is not an IANA time zone (e.g. UTC, Europe/Berlin)`,
    ];
    expect(seen(sc)).toEqual({ code: 2, stdout: '', lines });
    expect(seen(pr)).toEqual({ code: 2, stdout: '', lines });
  });

  it('serve refuses a config nobody could sign in with', async () => {
    const f = write('no-tokens.json', { reviewers: [{ name: 'erin', roles: ['approver'] }] });
    expect(seen(await serve(f))).toEqual({ code: 2, stdout: '', lines: [
      `acvloop: ${f}: reviewers: no reviewer has a tokenSha256 and serve.identityHeader is not set: nobody could sign in (make a token with \`acvloop token NAME\`)`,
    ] });
  });

  it('a valid config gets past the check: run goes on to Temporal and serve to the database (exit 1 here, not 2)', async () => {
    const f = write('valid.json', valid);
    const [r, s] = await Promise.all([run(f), serve(f)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^acvloop: cannot reach Temporal at 127\.0\.0\.1:1/);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/^acvloop: cannot reach the database at 127\.0\.0\.1:1/);
  });
});

describe('acvloop config check', () => {
  it('says ok (exit 0) or lists the problems (exit 2), also as JSON', async () => {
    const good = write('check-ok.json', valid);
    const bad = write('check-bad.json', typos);
    const [ok, refused, asJson, viaEnv, none] = await Promise.all([
      acvloop(['config', 'check', good]),
      acvloop(['config', 'check', bad]),
      acvloop(['config', 'check', bad, '--json']),
      acvloop(['config', 'check'], { ACVLOOP_CONFIG: good }),
      acvloop(['config', 'check'], { ACVLOOP_CONFIG: '' }),
    ]);
    expect(ok).toEqual({ code: 0, stdout: `${good}: ok\n`, stderr: '' });
    expect(seen(refused)).toEqual({ code: 2, stdout: '', lines: typoLines(bad) });
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.stdout)).toEqual({ file: bad, ok: false, problems: typoLines(bad).map((l) => l.slice(`acvloop: ${bad}: `.length)) });
    expect(viaEnv).toMatchObject({ code: 0, stdout: `${good}: ok\n` });
    expect(none).toEqual({ code: 2, stdout: '', stderr: 'acvloop: config check needs a FILE (or ACVLOOP_CONFIG)\n' });
  });
});

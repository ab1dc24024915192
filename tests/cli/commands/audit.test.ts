import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudit } from '../../../store/audit-log';
import { acvloop } from '../../helpers/cli';
import { suiteDb } from '../../helpers/db';

/**
 * `acvloop audit` as a table people can read: a budget's raw floats become
 * dollars, a long change or reason is folded onto a few lines and cut short
 * past them, and a reviewer's decision with the run outcome it settled is one
 * row with both ids (and a note saying why); `--json` still has every entry whole.
 */
let db: Awaited<ReturnType<typeof suiteDb>>;
let env: NodeJS.ProcessEnv;
const CHANNELS = ['paid_search', 'paid_social', 'events', 'webinars', 'content', 'partners', 'outbound', 'display', 'review_sites'];

beforeAll(async () => {
  db = await suiteDb('cli_audit');
  env = { DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema };
  const budget = (k: number) => Object.fromEntries(CHANNELS.map((c, i) => [c, 35601.890699999996 * k + i * 1000.123456789]));
  await writeAudit(db.pool, { actor: 'acvloop', action: 'approval.requested', runId: 'r1', before: { budget: budget(1) },
    after: { budget: budget(1.1), requiredApprovers: 1, promotion: ['attribution'] },
    reason: `1 approver(s) for a budget move of 10.0% and drift in ${CHANNELS.join(', ')} and ${CHANNELS.join(', ')}` });
  await writeAudit(db.pool, { actor: 'erin', action: 'decision.approved', runId: 'r1', after: { decision: 'approved' }, reason: 'reconciles' });
  await writeAudit(db.pool, { actor: 'erin', action: 'run.approved', runId: 'r1', after: { decision: 'approved' }, reason: 'reconciles' });
  // Two approvers: two votes and an outcome naming both; none of them repeats another.
  await writeAudit(db.pool, { actor: 'erin', action: 'decision.approved', runId: 'r2', after: { decision: 'approved' }, reason: 'ok' });
  await writeAudit(db.pool, { actor: 'frank', action: 'decision.approved', runId: 'r2', after: { decision: 'approved' }, reason: 'fine' });
  await writeAudit(db.pool, { actor: 'erin, frank', action: 'run.approved', runId: 'r2', after: { decision: 'approved' }, reason: 'fine' });
});

afterAll(async () => {
  await db?.drop();
});

/** The first line of a row: its id(s), then its time. */
const isRowStart = (l: string) => /^\s*\d+(\+\d+)?\s+\d{4}-\d\d-\d\dT/.test(l);
const ids = async (action: string) => (await db.pool.query('select id from audit_log where action = $1 order by id', [action])).rows.map((r) => String(r.id));

describe('acvloop audit', () => {
  it('rounds money and folds a long change and reason instead of printing a line a thousand characters wide', async () => {
    const r = await acvloop(['audit', '--run', 'r1'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/35601\.89/);
    // Postgres keeps a jsonb object's keys in its own order.
    expect(r.stdout).toMatch(/budget: \w+ \$[\d,]+ → \$[\d,]+/);
    expect(r.stdout).toMatch(/paid_search \$35,602 → \$39,162/);
    expect(r.stdout).toMatch(/requiredApprovers: 1/);
    expect(Math.max(...r.stdout.split('\n').map((l) => l.length))).toBeLessThan(260);
    expect(r.stdout).toContain('…');
    expect(r.stdout).toMatch(/marks a change or reason cut short here/);
    expect(r.stdout).toMatch(/acvloop audit --json lists every entry whole/);
  });

  it('shows a decision and the run outcome it settled once, with both ids, and says why both are kept', async () => {
    const r = await acvloop(['audit', '--run', 'r1'], env);
    const [decision] = await ids('decision.approved');
    const [outcome] = await ids('run.approved');
    const rows = r.stdout.split('\n').filter(isRowStart);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(new RegExp(`^\\s*${decision}\\+${outcome}\\s.*erin\\s+decision\\.approved\\s`));
    expect(r.stdout).toMatch(/^\s+run\.approved$/m);
    expect(r.stdout).toMatch(/one decision the log keeps twice, on purpose/);
    // The log itself keeps both.
    const json = JSON.parse((await acvloop(['audit', '--run', 'r1', '--json'], env)).stdout);
    expect(json.entries.map((e: { action: string }) => e.action)).toEqual(['approval.requested', 'decision.approved', 'run.approved']);
    expect(json.entries[0].before.budget.paid_search).toBe(35601.890699999996);
  });

  it('keeps each vote and the outcome of two approvers as rows of their own', async () => {
    const r = await acvloop(['audit', '--run', 'r2'], env);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').filter(isRowStart);
    expect(rows.map((l) => l.trim().split(/\s{2,}/)[3])).toEqual(['decision.approved', 'decision.approved', 'run.approved']);
    expect(r.stdout).not.toMatch(/keeps twice/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeAccountScores, type AccountScoreRow, type AccountScoreRunRow } from '../../store/account-scores';
import { inLockedTransaction } from '../../store/transaction';
import { acvloop } from '../helpers/cli';
import { suiteDb } from '../helpers/db';
import { registerRun, type TestDb } from '../activities/support';

/**
 * `acvloop accounts RUN` as a user runs it: the CSV's ten columns hold what
 * the run stored (drivers quoted as RFC 4180 asks), --top and --tier pick
 * the rows they say, --json carries the run's summary, and a run without
 * account scores, or a mistyped option, is refused with why.
 */
let db: TestDb;
let env: NodeJS.ProcessEnv;
const scored = 'acc-cli-1';
const bare = 'acc-cli-bare';
const COLUMNS = ['account_id', 'rank', 'win_propensity', 'expected_new_acv', 'expansion_propensity', 'expected_expansion_acv', 'engagement_score', 'mql', 'tier', 'drivers'];

/** Drivers that a naive split on commas or lines would break: commas, quotes, a line break. */
const DRIVERS = ['segment enterprise, region EMEA', 'parent "Globex" won twice', 'engagement 12.3\nwebinars', 'plain drivers'];

/** 24 accounts, ranked 1..24, in storage order other than rank (the command must sort); tiers 1 (ranks 1-4), 2 (5-12), 3 (13-24). */
const rows: AccountScoreRow[] = Array.from({ length: 24 }, (_, i) => {
  const rank = ((i * 7) % 24) + 1;
  return {
    account_id: `acct-${String(rank).padStart(3, '0')}`, rank, tier: rank <= 4 ? 1 : rank <= 12 ? 2 : 3,
    win_propensity: 1 / (rank + 1.5), expected_new_acv: 250_000 / rank + 0.123456789, expansion_propensity: rank % 4 === 0 ? null : 0.7 - rank / 97,
    expected_expansion_acv: rank % 4 === 0 ? 0 : 48_000 / (rank + 2), engagement_score: 31.75 - rank * 1.13, mql: rank % 3 === 1,
    mql_at: rank % 3 === 1 ? '2026-10-14' : null, mql_crossed_this_month: rank % 6 === 1, handoff: rank % 3 === 1 ? 'pending' : null,
    drivers: DRIVERS[rank % DRIVERS.length], detail: {},
  };
});
const byRank = [...rows].sort((a, b) => a.rank - b.rank);

const run: AccountScoreRunRow = {
  run_id: scored, model_version_id: `${scored}/accounts`, level: 'account', as_of: '2026-11-01', accounts: rows.length,
  summary: {
    tierCuts: { tier1: 60_000, tier2: 20_000 }, policy: { version: '2026-12-01', sha256: null }, known: 30, customers: 12,
    mql: { threshold: 8, accounts: 8, crossedThisMonth: 4, handoff: { accepted: 0, pending: 8, not_accepted: 0 } },
    tiers: [
      { tier: 1, accounts: 4, expectedNewAcv: 520_833.8, expectedExpansionAcv: 31_000, closed: 10, won: 4, winRate: 0.4, wonAcv: 400_000, acvLift: 5.5, dealVelocityDays: 41 },
      { tier: 2, accounts: 8, expectedNewAcv: 170_000, expectedExpansionAcv: 27_000, closed: 20, won: 3, winRate: 0.15, wonAcv: 90_000, acvLift: 0.9, dealVelocityDays: 77.5 },
      { tier: 3, accounts: 12, expectedNewAcv: 90_000, expectedExpansionAcv: 20_000, closed: 9, won: 0, winRate: 0, wonAcv: 0, acvLift: null, dealVelocityDays: null },
    ],
  },
};

beforeAll(async () => {
  db = await suiteDb('cli_accounts');
  env = { DATABASE_URL: db.url, ACVLOOP_SCHEMA: db.schema };
  const sha = 'a'.repeat(64);
  await registerRun(db, scored, { dir: '/nonexistent/drop', sha256: sha, month: '2026-10' });
  await registerRun(db, bare, { dir: '/nonexistent/drop', sha256: sha, month: '2026-10' });
  await inLockedTransaction({ db }, `test:${scored}`, (client) => storeAccountScores(client, run, rows));
});

afterAll(async () => {
  await db?.drop();
});

/** RFC 4180 by hand: quoted fields may hold commas, line breaks and doubled quotes. Returns the records with each field's text and whether it was quoted. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' && field === '') {
      i++;
      while (i < text.length) {
        if (text[i] === '"' && text[i + 1] === '"') { field += '"'; i += 2; } else if (text[i] === '"') { i++; break; } else field += text[i++];
      }
      continue;
    }
    if (c === ',') { record.push(field); field = ''; i++; continue; }
    if (c === '\n' || c === '\r') {
      record.push(field); records.push(record); record = []; field = '';
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    field += c; i++;
  }
  if (field !== '' || record.length) { record.push(field); records.push(record); }
  return records;
}

/** A stored row as the CSV must print it: numbers that parse back to the stored double, null empty, booleans as true/false. */
const expectedRecord = (r: AccountScoreRow) => COLUMNS.map((c) => {
  const v = r[c as keyof AccountScoreRow];
  return v === null ? '' : String(v);
});

async function csvOf(args: string[]) {
  const r = await acvloop(['accounts', scored, '--csv', ...args], env);
  expect(r.code, r.stderr).toBe(0);
  const [header, ...records] = parseCsv(r.stdout);
  return { header, records, stdout: r.stdout };
}

describe('acvloop accounts', () => {
  it('--csv: the ten columns in order, every stored account by rank with its stored values', async () => {
    const { header, records, stdout } = await csvOf([]);
    expect(header).toEqual(COLUMNS);
    expect(records).toEqual(byRank.map(expectedRecord));
    // The numbers parse back to exactly what Postgres holds.
    records.forEach((rec, i) => {
      expect(Number(rec[2])).toBe(byRank[i].win_propensity);
      expect(Number(rec[3])).toBe(byRank[i].expected_new_acv);
    });
    // Quoted only where RFC 4180 needs it: a comma, a quote (doubled), a line break.
    expect(stdout).toContain('"segment enterprise, region EMEA"');
    expect(stdout).toContain('"parent ""Globex"" won twice"');
    expect(stdout).toContain('"engagement 12.3\nwebinars"');
    expect(stdout).toMatch(/,plain drivers\n/);
    expect(records.filter((r) => r[4] === '').map((r) => Number(r[1]))).toEqual(byRank.filter((r) => r.rank % 4 === 0).map((r) => r.rank));
    expect(new Set(records.map((r) => r[7]))).toEqual(new Set(['true', 'false']));
  });

  it('--top N keeps the first N by rank, --tier one tier, and both together the first N of the tier', async () => {
    expect((await csvOf(['--top', '5'])).records).toEqual(byRank.slice(0, 5).map(expectedRecord));
    const tier2 = byRank.filter((r) => r.tier === 2);
    expect(tier2).toHaveLength(8);
    expect((await csvOf(['--tier', '2'])).records).toEqual(tier2.map(expectedRecord));
    expect((await csvOf(['--tier', '3', '--top', '3'])).records).toEqual(byRank.filter((r) => r.tier === 3).slice(0, 3).map(expectedRecord));
    expect((await csvOf(['--top', '500'])).records).toHaveLength(rows.length);
  });

  it('--json: the run, its serving version, level, as-of date, the rows with the ten fields and the summary', async () => {
    const r = await acvloop(['accounts', scored, '--json', '--tier', '1'], env);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toEqual({
      runId: scored, modelVersionId: run.model_version_id, level: 'account', asOf: '2026-11-01',
      accounts: byRank.filter((a) => a.tier === 1).map((a) => Object.fromEntries(COLUMNS.map((c) => [c, a[c as keyof AccountScoreRow]]))),
      summary: run.summary,
    });
  });

  it('prints a readable table by default', async () => {
    const r = await acvloop(['accounts', scored, '--top', '3'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Accounts to pursue of run ${scored}, as of 2026-11-01 (model version ${scored}/accounts, one line per account); 3 shown, by rank`);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^rank\s+account\s+tier\s+win p\s+expected new ACV\s+expansion p\s+expected expansion ACV\s+engagement\s+MQL\s+drivers$/);
    // Rank 1: win p 1/2.5 = 40.0%, expected new ACV $250,000, expansion p 0.7 - 1/97 = 69.0%, $16,000, engagement 30.62 -> 30.6, MQL.
    expect(lines[2]).toMatch(/^\s*1\s+acct-001\s+1\s+40\.0%\s+\$250,000\s+69\.0%\s+\$16,000\s+30\.6\s+yes\s+parent "Globex" won twice$/);
    // A line break in the drivers stays out of the table: one line per account.
    expect(lines[3]).toMatch(/\sengagement 12\.3 webinars$/);
    expect(lines.slice(2).map((l) => l.trim().split(/\s+/)[1])).toEqual(['acct-001', 'acct-002', 'acct-003']);
  });

  it('refuses a run without account scores, and a run that does not exist, saying which and why', async () => {
    const none = await acvloop(['accounts', bare, '--csv'], env);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(`acvloop: run ${bare} has no account scores: it ran before accounts were scored (issue 16), or has not reached its score stage yet\n`);
    const missing = await acvloop(['accounts', 'no-such-run'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`acvloop: no run no-such-run in schema ${db.schema}\n`);
  });

  it('show --json carries the accounts in brief: serving version, tiers, MQLs and the first ten by rank; null for a run without them', async () => {
    const shown = await acvloop(['show', scored, '--json'], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).accounts).toEqual({
      modelVersionId: run.model_version_id, level: 'account', asOf: '2026-11-01', scored: rows.length, tiers: run.summary.tiers, mql: run.summary.mql,
      top: byRank.slice(0, 10).map((a) => Object.fromEntries(COLUMNS.map((c) => [c, a[c as keyof AccountScoreRow]]))),
    });
    const none = await acvloop(['show', bare, '--json'], env);
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout).accounts).toBeNull();
  });

  it('show says the tiers and the first five accounts in words, and nothing of accounts for a run without them', async () => {
    const shown = await acvloop(['show', scored], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Accounts to pursue (${rows.length} accounts, by ${run.model_version_id}; 8 MQLs, 4 crossed this month; acvloop accounts ${scored} lists them all)`);
    for (const a of byRank.slice(0, 5)) expect(shown.stdout).toContain(a.account_id);
    expect(shown.stdout).not.toContain(byRank[5].account_id + ' ');
    const none = await acvloop(['show', bare], env);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).not.toContain('Accounts to pursue');
  });

  it.each([
    [['--top', '0'], '--top takes a positive whole number, not "0"'],
    [['--top', 'ten'], '--top takes a positive whole number, not "ten"'],
    [['--top', '2.5'], '--top takes a positive whole number, not "2.5"'],
    [['--tier', '4'], '--tier takes 1, 2 or 3, not "4"'],
    [['--tier', 'gold'], '--tier takes 1, 2 or 3, not "gold"'],
    [['--csv', '--json'], 'acvloop accounts takes --csv or --json, not both'],
  ])('refuses %j: %s', async (args, message) => {
    const r = await acvloop(['accounts', scored, ...args], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`acvloop: ${message}\n`);
  });
});

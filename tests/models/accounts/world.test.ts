/**
 * A time split of generated worlds (the checks): each drop (2,000
 * accounts, 36 months to 2026-10; seeds 42, 7 and 11) read as the cycle
 * reads it (validateDrop), the models fitted and scored on what was known at
 * the cut, judged on what happened after it. Engagement comes from the
 * drop's touches under the default attribution agreement
 * (models/accounts/engagement.ts).
 *
 * The checks, on every seed: (b) win, cut six months before the
 * drop's end (2026-05-01): the top tenth by expected new ACV holds at least
 * 4× its share of the new ACV won after the cut; (c) the accounts over the
 * MQL threshold at that cut (engagement at the end of the day before it)
 * open opportunities in the next three months at least 3× as often as the
 * others (models/accounts/mql-lift.ts); (d) expansion, cut twelve months
 * before the end for its 12-month horizon: AUC ≥ 0.75. And the scores track
 * what the generator planted (truth.json `accountPropensity`): win
 * propensity at the cut against each account's planted weight, and the
 * expansion propensity at the drop's end against the usage trend there (a
 * customer's growing usage raises its renewal price and its upsell deals).
 *
 * Measured over seeds 42/7/11 (`npx vitest run
 * tests/models/accounts/world.test.ts`, about 25 s of tests, 32 s in all on
 * 2 cores): top tenth's ACV lift 8.06/8.18/8.18; MQL lift 5.55/5.77/5.23;
 * expansion AUC over 12 months 0.832/0.832/0.802 (over eight seeds, these
 * and 1, 2, 3, 4, 5: 0.726 to 0.832, mean 0.795: a world's AUC moves by a
 * few hundredths, and 0.75 is not met on every world); Spearman of win
 * propensity with the planted weight 0.674/0.691/0.675, of expansion
 * propensity with the planted usage trend 0.611/0.538/0.535. On seed 42
 * also: win AUC 0.885, top tenth 4.29× its share of the winners,
 * calibration max gap 0.103 (0.058/0.075 on the others); created in the
 * window and won by the drop's end: AUC 0.842, lift 4.81; expansion over 6
 * months from 2026-05-01 AUC 0.868; expansion calibration max gap over 12
 * months 0.186 (0.176/0.132). Before the generator planted firmographics
 * and usage (weights pure noise, the renewal uplift a coin flip) the
 * expansion AUC was 0.770/0.712/0.703 and the win calibration gap 0.059 on
 * seed 42. The figures of each seed are printed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDrop } from '../../../contracts';
import { generateDrop } from '../../../generator';
import { accountBook, type AccountBook } from '../../../models/accounts/book';
import { backtestExpansions, backtestWins, type ExpansionBacktest, type WinBacktest } from '../../../models/accounts/backtest';
import { engagementScores } from '../../../models/accounts/engagement';
import { fitExpansionModel, scoreExpansions } from '../../../models/accounts/expansion';
import { mqlLift, type MqlLift } from '../../../models/accounts/mql-lift';
import { dayBefore } from '../../../models/accounts/outcomes';
import { scoreWins, type EngagementAt } from '../../../models/accounts/win-propensity';
import { parseAttributionPolicy } from '../../../models/attribution-policy';
import { spearman } from '../../../models/evaluation';

const JUDGED_TO = '2026-11-01';
const SEEDS = [42, 7, 11];
const policy = parseAttributionPolicy({ version: '1.1.0' }, 'inline').policy.engagement;

/** What the generator planted per account (truth.json `accountPropensity`), by account id. */
interface Planted {
  winWeight: Map<string, number>;
  usageTrendAtEnd: Map<string, number>;
}

interface Split {
  seed: number;
  book: AccountBook;
  engagementAt: EngagementAt;
  planted: Planted;
  win: WinBacktest;
  expansion: ExpansionBacktest;
  mql: MqlLift;
}

const dirs: string[] = [];
const splits = new Map<number, Split>();

async function splitOf(seed: number): Promise<Split> {
  const dir = mkdtempSync(join(tmpdir(), `acvloop-accounts-world-${seed}-`));
  dirs.push(dir);
  await generateDrop({ outDir: dir, seed, accounts: 2000, months: 36, end: '2026-10' });
  const v = await validateDrop(dir);
  expect(v.ok).toBe(true);
  const t = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')).accountPropensity;
  const column = (xs: number[]) => new Map<string, number>(t.ids.map((id: string, i: number) => [id, xs[i]]));
  const book = accountBook(v.rows);
  const touches = v.rows.touchpoints;
  const engagementAt: EngagementAt = (day) => engagementScores(touches, policy, day).accounts;
  const win = backtestWins(book, JUDGED_TO, { engagementAt });
  const expansion = backtestExpansions(book, JUDGED_TO, { engagementAt });
  const cut = win.asOf;
  const known = v.rows.accounts.filter((a) => a.created_at.slice(0, 10) < cut).map((a) => a.account_id);
  const mql = mqlLift(engagementAt(dayBefore(cut)), policy.mqlThreshold, known, v.rows.opportunities, cut, 3);
  return { seed, book, engagementAt, planted: { winWeight: column(t.winWeight), usageTrendAtEnd: column(t.usageTrendAtEnd) }, win, expansion, mql };
}

beforeAll(async () => {
  for (const seed of SEEDS) splits.set(seed, await splitOf(seed));
}, 240_000);

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.each(SEEDS)('the issue\'s checks on a time split of the generated world of seed %i', (seed) => {
  it('put at least 4× its share of the new ACV won after the cut in the top tenth by expected new ACV', () => {
    const { win } = splits.get(seed)!;
    const share = win.acvShareByDecile[0];
    console.log(`seed ${seed}, win (cut ${win.asOf}, judged to ${win.judgedTo}): ${win.accounts} accounts, ${win.positives} won; top tenth by expected new ACV holds ${(100 * share).toFixed(1)}% of the new ACV won (lift ${win.acvLiftTopDecile.toFixed(2)}); top tenth by propensity holds ${win.liftTopDecile.toFixed(2)}× its share of the winners, precision ${win.precisionAtTopDecile.toFixed(3)}; AUC ${win.auc.toFixed(3)}; calibration max gap ${win.calibrationMaxGap.toFixed(3)}`);
    expect(win.asOf).toBe('2026-05-01');
    expect(win.acvLiftTopDecile).toBeGreaterThanOrEqual(4);
  });

  it('see the accounts over the MQL threshold at the cut open opportunities in the next three months at least 3× as often as the others', () => {
    const { mql } = splits.get(seed)!;
    console.log(`seed ${seed}, MQL at 2026-05-01 (threshold ${policy.mqlThreshold}): ${mql.mqlAccounts} accounts, ${(100 * mql.mqlRate).toFixed(1)}% opened an opportunity by 2026-08-01; the other ${mql.others}, ${(100 * mql.otherRate).toFixed(1)}%; lift ${mql.lift.toFixed(2)}`);
    expect(mql.mqlAccounts).toBeGreaterThan(50);
    expect(mql.lift).toBeGreaterThanOrEqual(3);
  });

  it('rank the customers that expand in the twelve months after the cut with AUC ≥ 0.75', () => {
    const { expansion: e } = splits.get(seed)!;
    console.log(`seed ${seed}, expansion over 12 months (cut ${e.asOf}): ${e.accounts} customers, ${e.positives} expanded; AUC ${e.auc.toFixed(3)}; top tenth by expected expansion ACV holds ${(100 * e.acvShareByDecile[0]).toFixed(1)}% of the expansion ACV (lift ${e.acvLiftTopDecile.toFixed(2)}); calibration max gap ${e.calibrationMaxGap.toFixed(3)}`);
    expect(e.asOf).toBe('2025-11-01');
    expect(e.auc).toBeGreaterThanOrEqual(0.75);
    expect(e.calibrationMaxGap).toBeLessThan(0.3);
  });

  it('track the planted truth: win propensity the planted weight, expansion propensity the planted usage trend', () => {
    const { book, engagementAt, planted, win } = splits.get(seed)!;
    const wins = scoreWins(win.model, book, win.asOf, { engagementAt });
    const rhoWin = spearman(wins.map((s) => s.propensity), wins.map((s) => planted.winWeight.get(s.account_id)!));
    // The expansion model fitted on everything and scored at the drop's end, where truth.json records the trend.
    const atEnd = scoreExpansions(fitExpansionModel(book, JUDGED_TO, { engagementAt }), book, JUDGED_TO, { engagementAt });
    const rhoExpansion = spearman(atEnd.map((s) => s.propensity), atEnd.map((s) => planted.usageTrendAtEnd.get(s.account_id)!));
    console.log(`seed ${seed}: Spearman of win propensity with the planted weight ${rhoWin.toFixed(3)} (${wins.length} accounts); of expansion propensity at the end with the planted usage trend ${rhoExpansion.toFixed(3)} (${atEnd.length} customers)`);
    expect(rhoWin).toBeGreaterThan(0.55);
    expect(rhoExpansion).toBeGreaterThan(0.35);
  });
});

describe('the account models on the time split of seed 42', () => {
  it('rank the accounts that win after the cut', () => {
    const { win } = splits.get(42)!;
    expect(win.acvShareByDecile[0]).toBeGreaterThanOrEqual(0.4);
    expect(win.auc).toBeGreaterThan(0.78);
    expect(win.liftTopDecile).toBeGreaterThan(3);
    expect(win.calibrationMaxGap).toBeLessThan(0.15);
  });

  it('rank the accounts that open a deal after the cut and win it, the other reading of a win', () => {
    const { book, engagementAt } = splits.get(42)!;
    const created = backtestWins(book, JUDGED_TO, { engagementAt, outcome: 'created' });
    console.log(`win, created in the window and won by ${created.judgedTo}: ${created.positives} won; AUC ${created.auc.toFixed(3)}; top tenth by expected new ACV holds ${(100 * created.acvShareByDecile[0]).toFixed(1)}% of their ACV (lift ${created.acvLiftTopDecile.toFixed(2)})`);
    expect(created.auc).toBeGreaterThan(0.75);
    expect(created.acvLiftTopDecile).toBeGreaterThan(3);
  });

  it('rank the customers that expand in the six months after a later cut', () => {
    const { book, engagementAt } = splits.get(42)!;
    const six = backtestExpansions(book, JUDGED_TO, { engagementAt, horizonMonths: 6 });
    console.log(`expansion over 6 months (cut ${six.asOf}): ${six.accounts} customers, ${six.positives} expanded; AUC ${six.auc.toFixed(3)}; calibration max gap ${six.calibrationMaxGap.toFixed(3)}`);
    expect(six.auc).toBeGreaterThan(0.75);
  });
});

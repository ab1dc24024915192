import type { Account } from './accounts';
import { monthFromIndex } from '../lib/dates';
import { dateString } from './calendar';
import type { UsageProcess } from './contracts';
import type { CsvWriter } from './csv';
import { DRIFT } from './drift';
import { windowMonthOf } from './frame';
import type { DropFrame } from './frame';
import { SEGMENT_LIST, USAGE } from './params';
import { Rng } from './rng';
import { BEFORE_VALUE, NOT_LIVE } from './usage-lag';

/**
 * usage.csv: each account's seat level follows the planted usage trend (the
 * one renewals were decided on) and is observed with noise (stream
 * "usage-observed") in the months it had a live contract; zero users and
 * units in the months of a first contract before its users came
 * (generator/usage-lag.ts). Those months draw their noise all the same, so
 * every other row keeps the values it had before lags were planted.
 */
export async function writeUsage(frame: DropFrame, accounts: readonly Account[], usage: UsageProcess, live: Uint8Array, uw: CsvWriter): Promise<void> {
  const { months, firstMonth: A0 } = frame;
  const obsRng = new Rng(frame.seed, 'usage-observed');
  for (const account of accounts) {
    let level = Math.log(account.seats * 0.7);
    for (let m = -USAGE.trendWindow + 1; m < 0; m++) level += usage.slope(account.index, m);
    const unitsPerUser = 25 * Math.exp(0.3 * obsRng.normal());
    for (let m = 0; m < months; m++) {
      level += usage.slope(account.index, m);
      const state = live[account.index * months + m];
      if (state === NOT_LIVE) continue;
      const seen = Math.max(0, Math.round(Math.exp(level + obsRng.normal(0, USAGE.noiseSd))));
      const users = state === BEFORE_VALUE ? 0 : seen;
      const units = users * unitsPerUser * Math.exp(obsRng.normal(0, 0.05));
      uw.row([account.id, monthFromIndex(A0 + m), users, units.toFixed(1)]);
    }
    await uw.maybeFlush();
  }
}

/**
 * accounts.csv, written last: an account's creation date (stream
 * "account-dates") precedes its first touch, opportunity or contract. Under
 * --drift, some accounts created in the drift months move upmarket, drawn
 * from `driftRng` after the opportunities' draws.
 */
export async function writeAccounts(frame: DropFrame, accounts: readonly Account[], driftRng: Rng, aw: CsvWriter): Promise<void> {
  const { windowStartDay, asOfDay, driftM } = frame;
  const windowMonth = (day: number) => windowMonthOf(frame, day);
  const acctRng = new Rng(frame.seed, 'account-dates');
  for (const account of accounts) {
    const created = Number.isFinite(account.firstDay)
      ? account.firstDay - acctRng.int(1, 120)
      : acctRng.int(windowStartDay - 1095, asOfDay);
    let segment: string = SEGMENT_LIST[account.segment];
    if (created >= windowStartDay && windowMonth(created) >= driftM && segment === DRIFT.segmentFrom && driftRng.chance(DRIFT.segmentShare)) segment = DRIFT.segmentTo;
    aw.row([
      account.id, account.name, account.parent >= 0 ? accounts[account.parent].id : null, segment,
      account.industry, account.region === '' ? null : account.region, dateString(created),
    ]);
    await aw.maybeFlush();
  }
}

import { openDb } from '../env';
import { accountsCsv, readAccounts, type AccountsOfRun, type Tier } from '../../queries/accounts';
import { parsePositiveInt } from '../parse';
import { printJson, say, table } from '../output';
import { pct, usd } from '../../lib/format';

/** `acvloop accounts RUN [--csv | --json] [--top N] [--tier 1|2|3]`: the run's accounts to pursue, by rank. */
export async function accountsCommand(runId: string, opts: { csv?: boolean; json?: boolean; top?: string; tier?: string }): Promise<number> {
  if (opts.csv && opts.json) throw new Error('acvloop accounts takes --csv or --json, not both');
  // Checked before the database is opened: a mistyped option is the caller's, whatever the database says.
  const top = opts.top === undefined ? undefined : parsePositiveInt(opts.top, '--top');
  const tier = opts.tier === undefined ? undefined : parseTier(opts.tier);
  const handle = await openDb();
  try {
    const r = await readAccounts(handle, runId, { top, tier });
    if (opts.json) printJson(r);
    else if (opts.csv) process.stdout.write(accountsCsv(r.accounts));
    else printAccounts(r, tier);
    return 0;
  } finally {
    await handle.close();
  }
}

function parseTier(v: string): Tier {
  if (v !== '1' && v !== '2' && v !== '3') throw new Error(`--tier takes 1, 2 or 3, not "${v}"`);
  return Number(v) as Tier;
}

/** Drivers on one line: a line break in them would split an account's row of the table. */
const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, ' ');

/** The readable table: money in dollars, propensities as percentages, the drivers in words. */
function printAccounts(r: AccountsOfRun, tier: Tier | undefined): void {
  say(`Accounts to pursue of run ${r.runId}, as of ${r.asOf} (model version ${r.modelVersionId}, one line per ${r.level}); ` +
    `${r.accounts.length} shown${tier ? ` of tier ${tier}` : ''}, by rank`);
  if (!r.accounts.length) {
    say(tier ? `No account of tier ${tier} in this run.` : 'No account in this run.');
    return;
  }
  say(table(['rank', 'account', 'tier', 'win p', 'expected new ACV', 'expansion p', 'expected expansion ACV', 'engagement', 'MQL', 'drivers'],
    r.accounts.map((a) => [a.rank, a.account_id, a.tier, pct(a.win_propensity), usd(a.expected_new_acv), pct(a.expansion_propensity),
      usd(a.expected_expansion_acv), a.engagement_score.toFixed(1), a.mql ? 'yes' : 'no', oneLine(a.drivers)])));
}

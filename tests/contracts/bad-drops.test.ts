import { describe, it, expect } from 'vitest';
import { validateDrop } from '../../contracts';
import { dropFor } from './drops';

/** `file:line rule` of every quarantine entry of one file, in report order. */
async function broken(caseName: string, file: string): Promise<string[]> {
  const v = await validateDrop(dropFor(caseName), { maxErrorRate: 1 });
  expect(v.errors).toEqual([]);
  return v.quarantine.filter((q) => q.file === file).map((q) => `${q.line} ${q.rule}`);
}

describe('bad drops: every rule of every file, with file, line and rule id', () => {
  it('accounts.csv', async () => {
    expect(await broken('accounts-rules', 'accounts.csv')).toEqual([
      '7 accounts.account_id.unique',
      '8 accounts.account_id.not_null',
      '9 accounts.name.not_null',
      '10 accounts.parent_account_id.references_accounts',
      '11 accounts.segment.enum',
      '12 accounts.created_at.type_date',
      '13 accounts.parent_account_id.no_cycle',
      '14 accounts.parent_account_id.no_cycle',
      '15 accounts.parent_account_id.referenced_row_quarantined',
      '16 accounts.parent_account_id.referenced_row_quarantined',
      '17 accounts.parent_account_id.no_cycle',
    ]);
  });

  it('opportunities.csv', async () => {
    expect(await broken('opportunities-rules', 'opportunities.csv')).toEqual([
      '7 opportunities.account_id.references_accounts',
      '8 opportunities.closed_at.null_while_open',
      '9 opportunities.closed_at.after_created',
      '10 opportunities.amount.non_negative',
      '11 opportunities.amount.type_money',
      '12 opportunities.currency.fx_rate_available',
      '13 opportunities.currency.fx_rate_available',
      '14 opportunities.stage.enum',
      '15 opportunities.currency.type_ccy',
      '16 opportunities.opportunity_id.unique',
    ]);
  });

  it('contracts.csv', async () => {
    expect(await broken('contracts-rules', 'contracts.csv')).toEqual([
      '7 contracts.account_id.references_accounts',
      '8 contracts.opportunity_id.references_opportunities',
      '9 contracts.previous_contract_id.references_contracts',
      '10 contracts.end_date.after_start',
      '11 contracts.term_months.matches_dates',
      '12 contracts.term_months.positive',
      '13 contracts.discount_pct.range',
      '14 contracts.total_value.non_negative',
      '15 contracts.previous_contract_id.referenced_row_quarantined',
      '16 contracts.previous_contract_id.referenced_row_quarantined',
      '17 contracts.previous_contract_id.no_cycle',
      '18 contracts.previous_contract_id.no_cycle',
      '19 contracts.term_months.type_int',
      '20 contracts.status.enum',
      '22 contracts.contract_id.unique',
    ]);
  });

  it('touchpoints.csv', async () => {
    expect(await broken('touchpoints-rules', 'touchpoints.csv')).toEqual([
      '10 touchpoints.account_id.references_accounts',
      '11 touchpoints.occurred_at.type_ts',
      '12 touchpoints.occurred_at.type_ts',
      '13 touchpoints.kind.enum',
      '14 touchpoints.channel.not_null',
      '15 touchpoints.touchpoint_id.unique',
    ]);
  });

  it('spend.csv', async () => {
    expect(await broken('spend-rules', 'spend.csv')).toEqual([
      '7 spend.month_channel.unique',
      '8 spend.month.type_month',
      '9 spend.amount.non_negative',
      '10 spend.amount.type_money',
      '11 spend.currency.fx_rate_available',
    ]);
  });

  it('invoices.csv', async () => {
    expect(await broken('invoices-rules', 'invoices.csv')).toEqual([
      '7 invoices.contract_id.references_contracts',
      '8 invoices.issued_at.type_date',
      '9 invoices.invoice_id.unique',
      '10 invoices.currency.fx_rate_available',
    ]);
  });

  it('usage.csv', async () => {
    expect(await broken('usage-rules', 'usage.csv')).toEqual([
      '7 usage.account_id.references_accounts',
      '8 usage.account_month.unique',
      '9 usage.active_users.non_negative',
      '10 usage.usage_units.non_negative',
      '11 usage.active_users.type_int',
      '12 usage.usage_units.type_decimal',
    ]);
  });

  it('fx_rates.csv', async () => {
    expect(await broken('fx-rules', 'fx_rates.csv')).toEqual([
      '7 fx_rates.month_currency.unique',
      '8 fx_rates.rate_to_usd.positive',
      '9 fx_rates.currency.type_ccy',
    ]);
  });

  it('malformed lines are quarantined with their line; the rows after them go on', async () => {
    const v = await validateDrop(dropFor('malformed'), { maxErrorRate: 1 });
    expect(v.quarantine.map((q) => `${q.file}:${q.line} ${q.rule}`)).toEqual([
      'accounts.csv:7 accounts.malformed_line',
      'accounts.csv:8 accounts.malformed_line',
      'accounts.csv:9 accounts.malformed_line',
    ]);
    expect(v.quarantine[0].message).toBe('accounts.csv line 7: malformed line: too few fields: 4 instead of 7');
    expect(v.quarantine[1].message).toBe('accounts.csv line 8: malformed line: too many fields: 8 instead of 7');
    expect(v.quarantine[2].message).toMatch(/^accounts\.csv line 9: malformed line: a quoted field is never closed/);
    expect(v.quarantine[2].raw).toEqual(['A-8,"Unterminated,,smb,,,2024-01-01']);
    expect(v.rows.accounts.map((a) => `${a.line} ${a.account_id}`)).toEqual([
      '2 A-1', '3 A-2', '4 A-3', '5 A-4', '6 A-5', '10 A-9',
    ]);
    const report = v.files.find((f) => f.file === 'accounts.csv')!;
    expect([report.rowsRead, report.rowsAccepted, report.rowsQuarantined]).toEqual([9, 6, 3]);
  });
});

describe('cross-file cascade', () => {
  it('quarantines every row that names a quarantined row, naming its line, until stable', async () => {
    const v = await validateDrop(dropFor('cascade'), { maxErrorRate: 1 });
    expect(v.quarantine.map((q) => `${q.file}:${q.line} ${q.rule}`)).toEqual([
      'accounts.csv:3 accounts.segment.enum',
      'opportunities.csv:3 opportunities.account_id.referenced_row_quarantined',
      'contracts.csv:3 contracts.account_id.referenced_row_quarantined',
      'contracts.csv:3 contracts.opportunity_id.referenced_row_quarantined',
      'touchpoints.csv:4 touchpoints.account_id.referenced_row_quarantined',
      'touchpoints.csv:9 touchpoints.account_id.referenced_row_quarantined',
      'invoices.csv:3 invoices.contract_id.referenced_row_quarantined',
      'invoices.csv:4 invoices.contract_id.referenced_row_quarantined',
      'usage.csv:4 usage.account_id.referenced_row_quarantined',
    ]);
    const opp = v.quarantine.find((q) => q.file === 'opportunities.csv')!;
    expect(opp.message).toBe(
      'opportunities.csv line 3: account_id "A-2" refers to accounts.csv line 3, which is quarantined (accounts.segment.enum)',
    );
    const contract = v.files.find((f) => f.file === 'contracts.csv')!;
    expect(contract.rowsQuarantined).toBe(1); // two broken rules, one row
    expect(v.rows.contracts.map((c) => c.contract_id)).toEqual(['K-1', 'K-3', 'K-4', 'K-5']);
  });

  it('says in words what is wrong', async () => {
    const v = await validateDrop(dropFor('opportunities-rules'), { maxErrorRate: 1 });
    const messages = v.quarantine.map((q) => q.message);
    expect(messages).toContain('opportunities.csv line 7: account_id "A-404" does not reference any account_id in accounts.csv');
    expect(messages).toContain('opportunities.csv line 16: opportunity_id "O-1" already appears on line 2 (must be unique)');
    expect(messages).toContain('opportunities.csv line 11: amount "1,000" is not an amount (digits with "." for decimals, no thousands separator)');
    const a = await validateDrop(dropFor('accounts-rules'), { maxErrorRate: 1 });
    expect(a.quarantine.find((q) => q.line === 13)!.message).toBe(
      'accounts.csv line 13: parent_account_id "A-13" closes a cycle: A-12 -> A-13 -> A-12',
    );
  });
});

import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CONTRACTS, validateDrop } from '../../contracts';
import { hashDrop } from '../../contracts/drop-hash';
import { formatValidation, toValidateJson } from '../../contracts/report';
import { BASE, dropFor } from './drops';

const base = (file: string): string => readFileSync(join(BASE, file), 'utf8');

describe('valid oddities pass', () => {
  it('reads BOM, CRLF, quoted comma and newline, =SUM cells, extra columns and blank optional cells', async () => {
    const accounts =
      '\ufeffaccount_id,name,parent_account_id,segment,industry,region,created_at,crm_owner\r\n' +
      'A-1,"Acme, Inc.",,enterprise,,,2023-01-15,jane\r\n' +
      'A-2,"Acme\r\nEurope",A-1,enterprise,Manufacturing,EMEA,2023-03-01,\r\n' +
      'A-3,=SUM(A1:A3),,mid_market,Software,NA,2023-06-10,bob\r\n' +
      'A-4,Initech,,smb,,,2024-02-20,\r\n' +
      '\r\n' +
      'A-5,Umbrella,,mid_market,Pharma,APAC,2024-05-05,eve\r\n';
    const v = await validateDrop(dropFor(null, { 'accounts.csv': accounts }));
    expect(v.errors).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.quarantine).toEqual([]);
    expect(v.rows.accounts.map((a) => [a.line, a.name, a.industry])).toEqual([
      [2, 'Acme, Inc.', null],
      [3, 'Acme\r\nEurope', 'Manufacturing'],
      [5, '=SUM(A1:A3)', 'Software'],
      [6, 'Initech', null],
      [8, 'Umbrella', 'Pharma'],
    ]);
    expect(v.files.find((f) => f.file === 'accounts.csv')!.extraColumns).toEqual(['crm_owner']);
  });

  it('reads a gzip file and hashes its bytes on disk', async () => {
    const gz = gzipSync(base('touchpoints.csv'));
    const v = await validateDrop(dropFor(null, { 'touchpoints.csv': '', 'touchpoints.csv.gz': gz }));
    expect(v.ok).toBe(true);
    const f = v.files.find((x) => x.file === 'touchpoints.csv.gz')!;
    expect(f.rowsAccepted).toBe(8);
    const { createHash } = await import('node:crypto');
    expect(f.sha256).toBe(createHash('sha256').update(gz).digest('hex'));
  });

  it('converts at the rate of the month or the latest earlier month; acv = total / years', async () => {
    const v = await validateDrop(dropFor(null));
    expect(v.ok).toBe(true);
    const eurSpend = v.rows.spend.find((s) => s.month === '2024-02')!; // no Feb rate: January's 1.09
    expect(eurSpend.amount_usd).toBeCloseTo(9000 * 1.09, 6);
    const o2 = v.rows.opportunities.find((o) => o.opportunity_id === 'O-2')!; // closed 2024-04-15
    expect(o2.amount_usd).toBeCloseTo(50000.5 * 1.07, 6);
    const k2 = v.rows.contracts.find((c) => c.contract_id === 'K-2')!; // 24 months from 2024-05
    expect(k2.total_value_usd).toBeCloseTo(108000, 6);
    expect(k2.acv_usd).toBeCloseTo(54000, 6);
    expect(k2.cost_to_serve_annual_usd).toBeNull();
    const i3 = v.rows.invoices.find((i) => i.invoice_id === 'I-3')!; // 2025-05: 2025-01's 1.04
    expect(i3.amount_usd).toBeCloseTo(52000, 6);
    expect(v.rows.touchpoints.find((t) => t.touchpoint_id === 'T-2')!.occurred_at).toBe('2024-01-20T14:30:00.000Z');
    expect(v.rows.touchpoints.find((t) => t.touchpoint_id === 'T-3')!.occurred_at).toBe('2024-02-10T00:00:00.000Z');
  });

  it('accepted rows match the zod schema of their contract', async () => {
    const v = await validateDrop(dropFor(null));
    for (const [name, contract] of Object.entries(CONTRACTS)) {
      const rows = v.rows[name as keyof typeof v.rows];
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(contract.schema.safeParse(row).error).toBeUndefined();
    }
  });

  it('without fx_rates.csv every currency must be USD', async () => {
    const v = await validateDrop(dropFor(null, { 'fx_rates.csv': '' }), { maxErrorRate: 1 });
    expect(v.quarantine.map((q) => `${q.file}:${q.line} ${q.rule}`)).toEqual([
      'opportunities.csv:3 opportunities.currency.fx_rate_available',
      'contracts.csv:3 contracts.opportunity_id.referenced_row_quarantined',
      'contracts.csv:3 contracts.currency.fx_rate_available',
      'spend.csv:4 spend.currency.fx_rate_available',
      'invoices.csv:3 invoices.contract_id.referenced_row_quarantined',
      'invoices.csv:3 invoices.currency.fx_rate_available',
      'invoices.csv:4 invoices.contract_id.referenced_row_quarantined',
      'invoices.csv:4 invoices.currency.fx_rate_available',
    ]);
    expect(v.quarantine[0].message).toMatch(/needs fx_rates\.csv, which is not in the drop/);
  });

  it('ignores files it does not know (truth.json, campaigns.csv, notes)', async () => {
    const v = await validateDrop(dropFor(null, { 'truth.json': '{}', 'campaigns.csv': 'x\n1\n', 'notes.txt': 'hi' }));
    expect(v.ok).toBe(true);
    expect(v.files.map((f) => f.file)).not.toContain('campaigns.csv');
  });

  it("checks every accepted row against its contract's zod schema, and stops on a row the checks let through", async () => {
    const original = CONTRACTS.spend.schema;
    // A schema stricter than the column checks stands in for a bug in those checks.
    (CONTRACTS.spend as { schema: unknown }).schema = (original as any).extend({ amount: z.number().lt(-1) });
    try {
      await expect(validateDrop(dropFor(null))).rejects.toThrow(/spend\.csv line 2: an accepted row breaks the spend contract's schema/);
    } finally {
      (CONTRACTS.spend as { schema: unknown }).schema = original;
    }
    expect((await validateDrop(dropFor(null))).ok).toBe(true);
  });

  it('the same drop gives the same content hash wherever it lives, and the validator agrees on every file hash', async () => {
    const dirA = dropFor(null);
    const dirB = dropFor(null);
    expect(dirA).not.toBe(dirB);
    const [a, b] = [await hashDrop(dirA), await hashDrop(dirB)];
    expect(a.sha256).toBe(b.sha256);
    expect((await hashDrop(dropFor('cascade'))).sha256).not.toBe(a.sha256);
    const v = await validateDrop(dirA);
    expect(v.files.map((f) => [f.file, f.sha256]).sort()).toEqual(a.files.map((f) => [f.file, f.sha256]).sort());
  });
});

describe('drop-level failures: ok=false and a message naming the file', () => {
  const cases: [string, Record<string, string | Buffer>, RegExp][] = [
    ['missing required file', { 'accounts.csv': '' }, /^accounts\.csv: required file is missing/],
    ['required file without data rows', { 'spend.csv': 'month,channel,amount,currency\n' }, /^spend\.csv: required file has no data rows/],
    ['empty file', { 'spend.csv': Buffer.alloc(0) }, /^spend\.csv: is empty/],
    ['broken gzip', { 'touchpoints.csv': '', 'touchpoints.csv.gz': Buffer.from('not gzip at all') }, /^touchpoints\.csv\.gz: not a valid gzip file/],
    ['invalid UTF-8', { 'accounts.csv': Buffer.concat([Buffer.from(base('accounts.csv')), Buffer.from([0x41, 0xff, 0xfe, 0x0a])]) }, /^accounts\.csv: is not valid UTF-8/],
    ['header lacking required columns', { 'opportunities.csv': base('opportunities.csv').replace('amount,currency', 'amt,curr') }, /^opportunities\.csv: header lacks required column\(s\) amount, currency/],
    ['both plain and gzip', { 'spend.csv.gz': gzipSync(base('spend.csv')) }, /^spend\.csv: both spend\.csv and spend\.csv\.gz are in the drop/],
    ['header repeating a column', { 'usage.csv': base('usage.csv').replace('usage_units', 'month') }, /^usage\.csv: header repeats column\(s\) month/],
  ];
  for (const [name, extra, message] of cases) {
    it(name, async () => {
      const v = await validateDrop(dropFor(null, extra));
      expect(v.ok).toBe(false);
      expect(v.errors).toHaveLength(1);
      expect(v.errors[0]).toMatch(message);
    });
  }

  it('a missing drop folder', async () => {
    const v = await validateDrop('/nonexistent/drop');
    expect(v.ok).toBe(false);
    expect(v.errors[0]).toMatch(/^\/nonexistent\/drop: the drop folder cannot be read/);
  });

  it('error rate above the threshold names file, rate and threshold', async () => {
    const v = await validateDrop(dropFor('accounts-rules'));
    expect(v.ok).toBe(false);
    expect(v.errors).toContain('accounts.csv: 11 of 16 rows quarantined (68.8%), above the threshold of 20%');
    const relaxed = await validateDrop(dropFor('accounts-rules'), { maxErrorRate: 0.7 });
    expect(relaxed.errors.filter((e) => e.startsWith('accounts.csv'))).toEqual([]);
  });
});

describe('report', () => {
  it('validate --json has exactly the documented keys', async () => {
    const v = await validateDrop(dropFor('spend-rules'), { maxErrorRate: 1 });
    const json = toValidateJson(v);
    expect(Object.keys(json)).toEqual(['ok', 'errors', 'files', 'quarantine']);
    expect(Object.keys(json.files[0])).toEqual(['file', 'rowsRead', 'rowsAccepted', 'rowsQuarantined']);
    expect(json.quarantine[0]).toEqual({
      file: 'spend.csv',
      line: 7,
      column: 'month,channel',
      rule: 'spend.month_channel.unique',
      value: '2024-01,paid_search',
      message: 'spend.csv line 7: (month, channel) "2024-01,paid_search" already appears on line 2 (must be unique)',
    });
    const text = formatValidation(v);
    expect(text).toMatch(/spend\.csv: 10 read, 5 accepted, 5 quarantined/);
  });
});

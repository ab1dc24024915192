/** accounts.csv: the CRM's accounts and their subsidiary roll-up. */
import { z } from 'zod';
import { defineContract, Id, IsoDate, Line } from './contract';
import type { RowColumns, RowOf } from './row-columns';
import { SEGMENTS } from './rows';

/** An accepted row of accounts.csv: each column's value and its type in src_accounts (see row-columns.ts). */
export const ACCOUNT_ROW = {
  line: [Line, 'integer'],
  account_id: [Id, 'text'],
  name: [z.string().min(1), 'text'],
  parent_account_id: [Id.nullable(), 'text'],
  segment: [z.enum(SEGMENTS), 'text'],
  industry: [z.string().nullable(), 'text'],
  region: [z.string().nullable(), 'text'],
  created_at: [IsoDate, 'date'],
} as const satisfies RowColumns;
export type AccountRow = RowOf<typeof ACCOUNT_ROW>;

export const accounts = defineContract<AccountRow>({
  name: 'accounts',
  file: 'accounts.csv',
  version: '1.0.0',
  owner: 'Sales operations (CRM)',
  required: true,
  columns: [
    { name: 'account_id', type: 'id', required: true, rule: 'unique' },
    { name: 'name', type: 'text', required: true, rule: 'not null' },
    {
      name: 'parent_account_id',
      type: 'id',
      required: false,
      rule: 'an account_id in this file; no cycles (subsidiary roll-up)',
      references: 'accounts',
    },
    { name: 'segment', type: 'enum', required: true, rule: 'enterprise, mid_market, smb', values: SEGMENTS },
    { name: 'industry', type: 'text', required: false, rule: '' },
    { name: 'region', type: 'text', required: false, rule: 'e.g. NA, EMEA, APAC, LATAM' },
    { name: 'created_at', type: 'date', required: true, rule: '' },
  ],
  uniqueKeys: [['account_id']],
  row: ACCOUNT_ROW,
});

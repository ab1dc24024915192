/** accounts.csv: the CRM's accounts and their subsidiary roll-up. */
import { z } from 'zod';
import { defineContract, Id, IsoDate, Line } from './contract';
import { SEGMENTS, type AccountRow } from './rows';

export const Account = z.object({
  line: Line,
  account_id: Id,
  name: z.string().min(1),
  parent_account_id: Id.nullable(),
  segment: z.enum(SEGMENTS),
  industry: z.string().nullable(),
  region: z.string().nullable(),
  created_at: IsoDate,
});
export type Account = z.infer<typeof Account>;

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
  schema: Account,
});

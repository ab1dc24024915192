/** touchpoints.csv: marketing and sales touches on accounts (the attribution input). */
import { z } from 'zod';
import { defineContract, Id, Line, UtcTimestamp } from './contract';
import type { RowColumns, RowOf } from './row-columns';

export const TOUCHPOINT_KINDS = ['online', 'offline'] as const;

/** An accepted row of touchpoints.csv: each column's value and its type in src_touchpoints (see row-columns.ts). */
export const TOUCHPOINT_ROW = {
  line: [Line, 'integer'],
  touchpoint_id: [Id, 'text'],
  account_id: [Id, 'text'],
  contact_id: [Id.nullable(), 'text'],
  channel: [z.string().min(1), 'text'],
  campaign_id: [Id.nullable(), 'text'],
  occurred_at: [UtcTimestamp, 'timestamptz'],
  kind: [z.enum(TOUCHPOINT_KINDS), 'text'],
} as const satisfies RowColumns;
export type TouchpointRow = RowOf<typeof TOUCHPOINT_ROW>;

export const touchpoints = defineContract<TouchpointRow>({
  name: 'touchpoints',
  file: 'touchpoints.csv',
  version: '1.0.0',
  owner: 'Marketing operations',
  required: true,
  columns: [
    { name: 'touchpoint_id', type: 'id', required: true, rule: 'unique' },
    { name: 'account_id', type: 'id', required: true, rule: 'references accounts', references: 'accounts' },
    { name: 'contact_id', type: 'id', required: false, rule: '' },
    {
      name: 'channel',
      type: 'text',
      required: true,
      rule: 'e.g. paid_search, paid_social, display, email, webinar, event, content, organic, partner, sdr_outbound',
    },
    { name: 'campaign_id', type: 'id', required: false, rule: '' },
    { name: 'occurred_at', type: 'ts', required: true, rule: 'ISO 8601; a date alone means midnight UTC' },
    { name: 'kind', type: 'enum', required: true, rule: 'online, offline', values: TOUCHPOINT_KINDS },
  ],
  uniqueKeys: [['touchpoint_id']],
  row: TOUCHPOINT_ROW,
});

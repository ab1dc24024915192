/** touchpoints.csv: marketing and sales touches on accounts (the attribution input). */
import { z } from 'zod';
import { defineContract, Id, Line, UtcTimestamp } from './contract';
import type { TouchpointRow } from './rows';

export const TOUCHPOINT_KINDS = ['online', 'offline'] as const;

export const Touchpoint = z.object({
  line: Line,
  touchpoint_id: Id,
  account_id: Id,
  contact_id: Id.nullable(),
  channel: z.string().min(1),
  campaign_id: Id.nullable(),
  occurred_at: UtcTimestamp,
  kind: z.enum(TOUCHPOINT_KINDS),
});
export type Touchpoint = z.infer<typeof Touchpoint>;

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
  schema: Touchpoint,
});

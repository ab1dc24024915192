/** opportunities.csv: CRM deals; `amount` is the expected first-year ACV. */
import { z } from 'zod';
import { Currency, defineContract, Id, IsoDate, Line, Money } from './contract';
import type { RowColumns, RowOf } from './row-columns';

export const STAGES = ['open', 'won', 'lost'] as const;

/** An accepted row of opportunities.csv: each column's value and its type in src_opportunities (see row-columns.ts). */
export const OPPORTUNITY_ROW = {
  line: [Line, 'integer'],
  opportunity_id: [Id, 'text'],
  account_id: [Id, 'text'],
  created_at: [IsoDate, 'date'],
  closed_at: [IsoDate.nullable(), 'date'],
  stage: [z.enum(STAGES), 'text'],
  amount: [Money.nonnegative(), 'numeric(20, 4)'],
  currency: [Currency, 'text'],
  amount_usd: [Money, 'numeric(20, 4)'],
  lead_source: [z.string().nullable(), 'text'],
  product: [z.string().nullable(), 'text'],
} as const satisfies RowColumns;
export type OpportunityRow = RowOf<typeof OPPORTUNITY_ROW>;

export const opportunities = defineContract<OpportunityRow>({
  name: 'opportunities',
  file: 'opportunities.csv',
  version: '1.0.0',
  owner: 'Sales operations (CRM)',
  required: true,
  columns: [
    { name: 'opportunity_id', type: 'id', required: true, rule: 'unique' },
    { name: 'account_id', type: 'id', required: true, rule: 'references accounts', references: 'accounts' },
    { name: 'created_at', type: 'date', required: true, rule: '' },
    { name: 'closed_at', type: 'date', required: false, rule: 'null while stage = open; >= created_at' },
    { name: 'stage', type: 'enum', required: true, rule: 'open, won, lost', values: STAGES },
    { name: 'amount', type: 'money', required: true, rule: 'expected first-year ACV, >= 0', range: 'non_negative' },
    { name: 'currency', type: 'ccy', required: true, rule: '' },
    { name: 'lead_source', type: 'text', required: false, rule: 'channel that sourced the lead; null = not marketing-sourced' },
    { name: 'product', type: 'text', required: false, rule: '' },
  ],
  uniqueKeys: [['opportunity_id']],
  rowRules: [
    {
      id: 'closed_at.null_while_open',
      column: 'closed_at',
      reads: ['stage', 'closed_at'],
      check: (r) =>
        r.stage === 'open' && r.closed_at !== null ? `closed_at "${r.closed_at}" is set but stage is open (must be empty while open)` : null,
    },
    {
      id: 'closed_at.after_created',
      column: 'closed_at',
      reads: ['created_at', 'closed_at'],
      check: (r) =>
        r.closed_at !== null && r.created_at !== null && r.closed_at < r.created_at
          ? `closed_at "${r.closed_at}" is before created_at "${r.created_at}"`
          : null,
    },
  ],
  fx: {
    money: ['amount'],
    // Typed non-null, but a required cell may be empty before the row is quarantined.
    monthOf: (r) => (r.closed_at ?? r.created_at)?.slice(0, 7),
    monthFrom: 'closed_at, else created_at',
  },
  row: OPPORTUNITY_ROW,
});

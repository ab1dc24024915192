/**
 * contracts.csv: signed contracts and their renewals. Named contract-file.ts
 * so it is not confused with the data contracts of this folder.
 */
import { z } from 'zod';
import { monthsBetweenByStartMonth } from '../lib/dates';
import { Currency, defineContract, Id, IsoDate, Line, Money } from './contract';
import type { RowColumns, RowOf } from './row-columns';

export const CONTRACT_STATUSES = ['active', 'renewed', 'churned', 'expired'] as const;

/**
 * An accepted row of contracts.csv: each column's value and its type in
 * src_contracts (see row-columns.ts). `ContractRow`, not `Contract`: a
 * Contract is a data contract (contract.ts).
 */
export const CONTRACT_ROW = {
  line: [Line, 'integer'],
  contract_id: [Id, 'text'],
  account_id: [Id, 'text'],
  opportunity_id: [Id.nullable(), 'text'],
  previous_contract_id: [Id.nullable(), 'text'],
  product: [z.string().nullable(), 'text'],
  start_date: [IsoDate, 'date'],
  end_date: [IsoDate, 'date'],
  term_months: [z.number().int().positive(), 'integer'],
  total_value: [Money.nonnegative(), 'numeric(20, 4)'],
  currency: [Currency, 'text'],
  discount_pct: [z.number().min(0).max(100).nullable(), 'numeric(7, 3)'],
  status: [z.enum(CONTRACT_STATUSES), 'text'],
  cost_to_serve_annual: [Money.nullable(), 'numeric(20, 4)'],
  total_value_usd: [Money, 'numeric(20, 4)'],
  /** total_value_usd / (term_months / 12) */
  acv_usd: [Money, 'numeric(20, 4)'],
  cost_to_serve_annual_usd: [Money.nullable(), 'numeric(20, 4)'],
} as const satisfies RowColumns;
export type ContractRow = RowOf<typeof CONTRACT_ROW>;

/** A term may differ from the dates by up to a month (end dates land on the 30th or the 1st). */
const TERM_TOLERANCE_MONTHS = 1;

export const contractFile = defineContract<ContractRow>({
  name: 'contracts',
  file: 'contracts.csv',
  version: '1.0.0',
  owner: 'Finance (deal desk, contract system)',
  required: true,
  columns: [
    { name: 'contract_id', type: 'id', required: true, rule: 'unique' },
    { name: 'account_id', type: 'id', required: true, rule: 'references accounts', references: 'accounts' },
    {
      name: 'opportunity_id',
      type: 'id',
      required: false,
      rule: 'references opportunities; null for renewals',
      references: 'opportunities',
    },
    {
      name: 'previous_contract_id',
      type: 'id',
      required: false,
      rule: 'references contracts: this contract renews that one',
      references: 'contracts',
    },
    { name: 'product', type: 'text', required: false, rule: '' },
    { name: 'start_date', type: 'date', required: true, rule: '' },
    { name: 'end_date', type: 'date', required: true, rule: '> start_date' },
    { name: 'term_months', type: 'int', required: true, rule: '> 0, matches start/end within a month', range: 'positive' },
    { name: 'total_value', type: 'money', required: true, rule: '>= 0, whole committed value over the term', range: 'non_negative' },
    { name: 'currency', type: 'ccy', required: true, rule: '' },
    { name: 'discount_pct', type: 'decimal', required: false, rule: '0..100', range: 'percent' },
    { name: 'status', type: 'enum', required: true, rule: 'active, renewed, churned, expired', values: CONTRACT_STATUSES },
    { name: 'cost_to_serve_annual', type: 'money', required: false, rule: '' },
  ],
  uniqueKeys: [['contract_id']],
  rowRules: [
    {
      id: 'end_date.after_start',
      column: 'end_date',
      reads: ['start_date', 'end_date'],
      check: (r) =>
        r.start_date !== null && r.end_date !== null && r.end_date <= r.start_date
          ? `end_date "${r.end_date}" is not after start_date "${r.start_date}"`
          : null,
    },
    {
      id: 'term_months.matches_dates',
      column: 'term_months',
      reads: ['start_date', 'end_date', 'term_months'],
      check: (r) => {
        if (r.start_date === null || r.end_date === null || r.term_months === null || r.end_date <= r.start_date) return null;
        const months = monthsBetweenByStartMonth(r.start_date, r.end_date);
        return Math.abs(months - r.term_months) > TERM_TOLERANCE_MONTHS
          ? `term_months ${r.term_months} does not match start_date ${r.start_date} to end_date ${r.end_date} (${months.toFixed(1)} months)`
          : null;
      },
    },
  ],
  fx: {
    money: ['total_value', 'cost_to_serve_annual'],
    monthOf: (r) => r.start_date?.slice(0, 7),
    monthFrom: 'start_date',
  },
  derive: (r) => {
    r.acv_usd = r.total_value_usd / (r.term_months / 12);
  },
  row: CONTRACT_ROW,
});

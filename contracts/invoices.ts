/**
 * invoices.csv (optional): billing; amounts may be negative (credit notes).
 * 1.1.0 adds the optional `due_at`: when a row has it, overdue is exact
 * (unpaid and past due) instead of estimated from the invoice's age.
 */
import { Currency, defineContract, Id, IsoDate, Line, Money } from './contract';
import type { RowColumns, RowOf } from './row-columns';

/** An accepted row of invoices.csv: each column's value and its type in src_invoices (see row-columns.ts). */
export const INVOICE_ROW = {
  line: [Line, 'integer'],
  invoice_id: [Id, 'text'],
  contract_id: [Id, 'text'],
  issued_at: [IsoDate, 'date'],
  amount: [Money, 'numeric(20, 4)'],
  currency: [Currency, 'text'],
  amount_usd: [Money, 'numeric(20, 4)'],
  paid_at: [IsoDate.nullable(), 'date'],
  /** Last in the table: migration 2026-12-02-0007-invoice-due-at added its src_invoices column after the others. */
  due_at: [IsoDate.nullable(), 'date'],
} as const satisfies RowColumns;
export type InvoiceRow = RowOf<typeof INVOICE_ROW>;

export const invoices = defineContract<InvoiceRow>({
  name: 'invoices',
  file: 'invoices.csv',
  version: '1.1.0',
  owner: 'Finance (billing)',
  required: false,
  columns: [
    { name: 'invoice_id', type: 'id', required: true, rule: 'unique' },
    { name: 'contract_id', type: 'id', required: true, rule: 'references contracts', references: 'contracts' },
    { name: 'issued_at', type: 'date', required: true, rule: '' },
    { name: 'amount', type: 'money', required: true, rule: 'may be negative (credit note)' },
    { name: 'currency', type: 'ccy', required: true, rule: '' },
    { name: 'paid_at', type: 'date', required: false, rule: '' },
    { name: 'due_at', type: 'date', required: false, rule: 'when the invoice falls due; makes overdue exact' },
  ],
  uniqueKeys: [['invoice_id']],
  fx: { money: ['amount'], monthOf: (r) => r.issued_at?.slice(0, 7), monthFrom: 'issued_at' },
  row: INVOICE_ROW,
});

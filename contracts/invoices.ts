/** invoices.csv (optional): billing; amounts may be negative (credit notes). */
import { z } from 'zod';
import { Currency, defineContract, Id, IsoDate, Line, Money } from './contract';
import type { InvoiceRow } from './rows';

export const Invoice = z.object({
  line: Line,
  invoice_id: Id,
  contract_id: Id,
  issued_at: IsoDate,
  amount: Money,
  currency: Currency,
  amount_usd: Money,
  paid_at: IsoDate.nullable(),
});
export type Invoice = z.infer<typeof Invoice>;

export const invoices = defineContract<InvoiceRow>({
  name: 'invoices',
  file: 'invoices.csv',
  version: '1.0.0',
  owner: 'Finance (billing)',
  required: false,
  columns: [
    { name: 'invoice_id', type: 'id', required: true, rule: 'unique' },
    { name: 'contract_id', type: 'id', required: true, rule: 'references contracts', references: 'contracts' },
    { name: 'issued_at', type: 'date', required: true, rule: '' },
    { name: 'amount', type: 'money', required: true, rule: 'may be negative (credit note)' },
    { name: 'currency', type: 'ccy', required: true, rule: '' },
    { name: 'paid_at', type: 'date', required: false, rule: '' },
  ],
  uniqueKeys: [['invoice_id']],
  fx: { money: ['amount'], monthOf: (r) => r.issued_at?.slice(0, 7), monthFrom: 'issued_at' },
  schema: Invoice,
});

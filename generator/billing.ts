import type { Account } from './accounts';
import { addMonths, dateString, monthOfDay } from './calendar';
import type { Book } from './contracts';
import type { CsvWriter } from './csv';
import { windowMonthOf } from './frame';
import type { DropFrame } from './frame';
import type { Fx } from './fx';
import { Rng } from './rng';

/**
 * Net payment terms of every invoice (due_at = issued_at + this): drawn from
 * no stream, so adding the column left every other value of the drop as it was.
 */
const PAYMENT_TERMS_DAYS = 30;

/**
 * contracts.csv and invoices.csv from the book (invoice terms and payment
 * dates from stream "invoices"). Returns which window months each account
 * had a live contract in (account-major, `months` per account): usage is
 * observed only then.
 */
export async function writeContractsAndInvoices(
  frame: DropFrame, book: Book, accounts: readonly Account[], fx: Fx, cw: CsvWriter, iw: CsvWriter,
): Promise<Uint8Array> {
  const { months, asOfDay } = frame;
  const { money } = fx;
  const windowMonth = (day: number) => windowMonthOf(frame, day);
  const invRng = new Rng(frame.seed, 'invoices');
  const live = new Uint8Array(frame.accountCount * months);
  let invoiceCount = 0;
  for (const c of book.contracts) {
    const account = accounts[c.account];
    const ccy = account.currency;
    const startAbs = monthOfDay(c.startDay);
    const total = money((c.acvUsd * c.term) / 12, ccy, startAbs);
    cw.row([
      c.id, account.id, c.opportunityId, c.previousId, c.product, dateString(c.startDay), dateString(c.endDay), c.term,
      total, ccy, c.discountShown ? c.discount : null, c.status,
      c.costRatio === null ? null : money(c.acvUsd * c.costRatio, ccy, startAbs),
    ]);
    const quarterly = invRng.chance([0.4, 0.35, 0.15][account.segment]);
    const period = quarterly ? 3 : 12;
    const parts = c.term / period;
    const part = ccy === 'JPY' ? String(Math.round(Number(total) / parts)) : (Math.round((Number(total) / parts) * 100) / 100).toFixed(2);
    for (let k = 0; k < parts; k++) {
      const issued = addMonths(c.startDay, k * period);
      if (issued > asOfDay) break;
      let paid: number | null = invRng.chance(0.05) ? null : issued + invRng.int(3, 70);
      if (paid !== null && paid > asOfDay) paid = null;
      invoiceCount++;
      iw.row([`INV-${String(invoiceCount).padStart(8, '0')}`, c.id, dateString(issued), part, ccy, paid === null ? null : dateString(paid),
        dateString(issued + PAYMENT_TERMS_DAYS)]);
    }
    const from = Math.max(0, windowMonth(c.startDay));
    const to = Math.min(months - 1, windowMonth(c.endDay - 1));
    for (let m = from; m <= to; m++) live[c.account * months + m] = 1;
    await Promise.all([cw.maybeFlush(), iw.maybeFlush()]);
  }
  return live;
}

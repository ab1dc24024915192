import type { Account } from './accounts';
import { addMonths, dateString, monthOfDay } from './calendar';
import type { Book } from './contracts';
import type { CsvWriter } from './csv';
import { windowMonthOf } from './frame';
import type { DropFrame } from './frame';
import type { Fx } from './fx';
import type { UsageProcess } from './contracts';
import { JUDGED_AFTER_DAYS, Payments } from './payments';
import { Rng } from './rng';
import { LIVE } from './usage-lag';

/**
 * contracts.csv and invoices.csv from the book (the invoice schedule from
 * stream "invoices"; due and payment dates from generator/payments.ts,
 * stream "payments", moved by the account's latent usage trend at the issue
 * month). Returns which window months each account had a live contract in
 * (account-major, `months` per account; usage is observed only then) and the
 * payments' truth.
 */
export async function writeContractsAndInvoices(
  frame: DropFrame, book: Book, accounts: readonly Account[], usage: UsageProcess, fx: Fx, cw: CsvWriter, iw: CsvWriter,
): Promise<{ live: Uint8Array; payments: Payments }> {
  const { months, asOfDay } = frame;
  const { money } = fx;
  const windowMonth = (day: number) => windowMonthOf(frame, day);
  const invRng = new Rng(frame.seed, 'invoices');
  const payments = new Payments(new Rng(frame.seed, 'payments'), asOfDay - JUDGED_AFTER_DAYS);
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
      // The trend the process holds at the issue month (invoices before the window read its first month's).
      const trendMonth = Math.min(months - 1, Math.max(0, windowMonth(issued)));
      const { dueDay, paidDay } = payments.draw(account.segment, issued, usage.trend(c.account, trendMonth));
      const paid = paidDay !== null && paidDay <= asOfDay ? paidDay : null;
      invoiceCount++;
      iw.row([`INV-${String(invoiceCount).padStart(8, '0')}`, c.id, dateString(issued), part, ccy, paid === null ? null : dateString(paid),
        dateString(dueDay)]);
    }
    const from = Math.max(0, windowMonth(c.startDay));
    const to = Math.min(months - 1, windowMonth(c.endDay - 1));
    for (let m = from; m <= to; m++) live[c.account * months + m] = LIVE;
    await Promise.all([cw.maybeFlush(), iw.maybeFlush()]);
  }
  return { live, payments };
}

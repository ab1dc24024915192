/** The spend level a channel's guardrails are measured from: its mean over the last months. */
import { monthIndex } from '../../lib/dates';

export interface SpendByMonth {
  month: string;
  channel: string;
  amount_usd: number;
}

/**
 * Mean monthly spend per channel over the `months` months ending at `throughMonth`
 * (inclusive); a missing (month, channel) pair counts as zero spend.
 *
 * @example
 * recentSpend([
 *   { month: '2024-03', channel: 'email', amount_usd: 30 },
 *   { month: '2024-01', channel: 'email', amount_usd: 60 },
 * ], '2024-03'); // { email: 30 }
 */
export function recentSpend(spend: readonly SpendByMonth[], throughMonth: string, months = 3): Record<string, number> {
  const last = monthIndex(throughMonth);
  const first = last - months + 1;
  const totals = new Map<string, number>();
  for (const s of spend) {
    const m = monthIndex(s.month);
    if (!totals.has(s.channel)) totals.set(s.channel, 0);
    if (m >= first && m <= last) totals.set(s.channel, totals.get(s.channel)! + s.amount_usd);
  }
  const out: Record<string, number> = {};
  for (const [ch, t] of [...totals].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[ch] = t / months;
  return out;
}

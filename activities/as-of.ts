/** The first day after the run's month: the models see the world as of that date. */
export function asOfDate(month: string): string {
  const [y, m] = month.split('-').map(Number);
  const next = new Date(Date.UTC(y, m, 1));
  return next.toISOString().slice(0, 10);
}

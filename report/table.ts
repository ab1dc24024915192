import { esc } from './escape';

/** An HTML table of escaped cells; numeric columns align right, and a row may carry a class (held lines). */
export function table(headers: string[], rows: (string | number)[][], opts: { numeric?: boolean[]; rowClass?: (i: number) => string } = {}): string {
  if (!rows.length) return '<p class="empty">None.</p>';
  const cls = (i: number) => (opts.numeric?.[i] ? ' class="num"' : '');
  return `<table><thead><tr>${headers.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${
    rows.map((r, k) => `<tr${opts.rowClass ? ` class="${esc(opts.rowClass(k))}"` : ''}>${r.map((c, i) => `<td${cls(i)}>${esc(c)}</td>`).join('')}</tr>`).join('')
  }</tbody></table>`;
}

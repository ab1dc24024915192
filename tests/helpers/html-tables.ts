/**
 * Reading the report's HTML back in tests: a table's cells as written, and
 * the money and share formats the page prints, written again here so a
 * test checks the page against its own spelling of them.
 */
import { expect } from 'vitest';

/** The rows of the HTML table that follows heading `h3`, each as its cells' text (entities as written). */
export function tableAfter(html: string, h3: string): string[][] {
  const at = html.indexOf(`<h3>${h3}</h3>`);
  expect(at, h3).toBeGreaterThanOrEqual(0);
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html.slice(at))![1];
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((tr) => [...tr[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((td) => td[1]));
}

/** Whole dollars with thousands separators, as the page prints them. */
export const usd = (n: number) => `$${Math.round(n).toLocaleString('en-US')}`;
/** A share as a percentage with one decimal. */
export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

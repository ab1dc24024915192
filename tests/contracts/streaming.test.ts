import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateDrop, VALIDATION_ORDER, type AcceptedRowSink } from '../../contracts';
import { formatValidation, QuarantineTally } from '../../contracts/report';
import type { DropFileName, QuarantineEntry } from '../../contracts/rows';
import { dropFor, FIXTURES, writeBigTouchpoints } from './drops';

/**
 * `retainRows: false` and `retainQuarantine: false` with a sink must give
 * what the retaining call gives: the same report and quarantine rules, and
 * the sink must receive exactly the retained rows and quarantine entries,
 * file by file in line order. The reference is the retaining call on the
 * same drop; equality is exact (no tolerance).
 */
async function streamed(dir: string) {
  const got = new Map<DropFileName, unknown[]>();
  const entries: QuarantineEntry[] = [];
  const events: string[] = [];
  const sink: AcceptedRowSink = {
    row(name, row) {
      if (!got.has(name)) {
        got.set(name, []);
        events.push(`first ${name}`);
      }
      got.get(name)!.push({ ...row });
    },
    quarantine(entry) {
      entries.push(entry);
      events.push(`entry ${entry.file.replace(/\.csv(\.gz)?$/, '')}`);
    },
    fileDone(name) {
      events.push(`done ${name}`);
    },
  };
  const v = await validateDrop(dir, { maxErrorRate: 1, retainRows: false, retainQuarantine: false, sink });
  return { v, got, entries, events };
}

const CASES = readdirSync(FIXTURES).filter((c) => c !== 'README.md' && c !== 'base');

describe('validateDrop streaming to a sink, rows not retained', () => {
  it.each([null, ...CASES])('%s: same report and quarantine, and the sink gets exactly the retained rows (exact)', async (c) => {
    const dir = dropFor(c);
    const retained = await validateDrop(dir, { maxErrorRate: 1 });
    const { v, got, entries, events } = await streamed(dir);
    expect(v.ok).toBe(retained.ok);
    expect(v.errors).toEqual(retained.errors);
    expect(v.files).toEqual(retained.files);
    expect(v.quarantine).toEqual([]);
    expect(v.quarantineRules).toEqual(retained.quarantineRules);
    // Files come in validation order, the retained quarantine in report order: the same entries file by file.
    for (const f of retained.files) expect(entries.filter((e) => e.file === f.file), f.file).toEqual(retained.quarantine.filter((e) => e.file === f.file));
    expect(entries).toHaveLength(retained.quarantine.length);
    // acvloop validate's text, told the entries as they came: the same text as from the retained quarantine.
    for (const maxMessages of [20, 3]) {
      const tally = new QuarantineTally(maxMessages);
      for (const e of entries) tally.add(e);
      expect(formatValidation(v, { maxMessages, tally })).toBe(formatValidation(retained, { maxMessages }));
    }
    // A file's entries all come before its done.
    for (const name of VALIDATION_ORDER) {
      const last = events.lastIndexOf(`entry ${name}`);
      if (last >= 0) expect(last, name).toBeLessThan(events.indexOf(`done ${name}`));
    }
    for (const name of VALIDATION_ORDER) {
      expect(v.rows[name], name).toEqual([]);
      expect(got.get(name) ?? [], name).toEqual(retained.rows[name]);
    }
    // Each file's rows come between its first row and its done, files in validation order.
    const order = events.filter((e) => e.startsWith('done')).map((e) => e.slice(5));
    expect(order).toEqual(VALIDATION_ORDER.filter((n) => retained.files.some((f) => f.file.startsWith(`${n}.csv`))));
  });

  it('a self-referencing file (accounts) sends its rows only once the cascade is settled, in line order', async () => {
    const dir = dropFor('cascade');
    const retained = await validateDrop(dir, { maxErrorRate: 1 });
    const { got } = await streamed(dir);
    const lines = (got.get('accounts') as { line: number }[]).map((r) => r.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(lines).toEqual(retained.rows.accounts.map((a) => a.line));
  });

  it('holds the reading back while the sink is not ready, and loses no row (200k touchpoints)', async () => {
    const dir = dropFor(null);
    const expected = writeBigTouchpoints(dir, 200_000);
    let waits = 0;
    let rows = 0;
    let blocked = false;
    let rowsWhileBlocked = 0;
    const v = await validateDrop(dir, {
      retainRows: false,
      sink: {
        row: (name) => {
          if (name !== 'touchpoints') return;
          rows++;
          if (blocked) rowsWhileBlocked++;
        },
        // A slow consumer: after every touchpoints chunk it needs 20 ms before it takes more.
        ready: () => {
          if (rows === 0 || blocked) return undefined;
          waits++;
          blocked = true;
          return new Promise<void>((resolve) => setTimeout(() => { blocked = false; resolve(); }, 20));
        },
      },
    });
    const bad = expected.orphans + expected.duplicates + expected.badTimestamps;
    expect(v.ok).toBe(true);
    expect(rows).toBe(200_000 - bad);
    expect(waits).toBeGreaterThan(5);
    expect(rowsWhileBlocked).toBe(0);
  });

  it('a row the checks let through but the schema refuses stops the drop, streaming too', async () => {
    const dir = dropFor(null);
    const files = readdirSync(dir);
    expect(files).toContain('spend.csv');
    const { CONTRACTS } = await import('../../contracts');
    const original = CONTRACTS.spend.schema;
    const { z } = await import('zod');
    (CONTRACTS.spend as { schema: unknown }).schema = (original as any).extend({ amount: z.number().lt(-1) });
    try {
      await expect(validateDrop(join(dir), { retainRows: false, sink: { row: () => {} } }))
        .rejects.toThrow(/spend\.csv line 2: an accepted row breaks the spend contract's schema/);
    } finally {
      (CONTRACTS.spend as { schema: unknown }).schema = original;
    }
  });
});

import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACTS, validateDrop } from '../../contracts';
import { BASE, dropFor } from './drops';

/**
 * The generic rules of every column, from the contracts' own column lists:
 * an empty required cell breaks `<file>.<col>.not_null`, a cell of the wrong
 * type `<file>.<col>.type_<type>` (or `.enum`). Line 2 of the base file is
 * changed; the test checks that exact entry.
 */
const BAD_VALUE: Record<string, string> = {
  enum: 'not-a-choice',
  date: '2024-02-30',
  ts: '2024-01-01T25:00:00Z',
  month: '2024-00',
  money: '1.234,5',
  ccy: 'EURO',
  int: '3.5',
  decimal: '1e3',
};

function withCell(file: string, column: string, value: string): string {
  const [header, first, ...rest] = readFileSync(join(BASE, file), 'utf8').split('\n');
  const cells = first.split(',');
  cells[header.split(',').indexOf(column)] = value.includes(',') ? `"${value}"` : value;
  return [header, cells.join(','), ...rest].join('\n');
}

describe('column rules of every contract', () => {
  for (const contract of Object.values(CONTRACTS)) {
    for (const col of contract.columns) {
      const cases: [string, string][] = [];
      if (col.required) cases.push(['', `${contract.name}.${col.name}.not_null`]);
      if (BAD_VALUE[col.type]) cases.push([BAD_VALUE[col.type], `${contract.name}.${col.name}.${col.type === 'enum' ? 'enum' : `type_${col.type}`}`]);
      for (const [value, rule] of cases) {
        it(`${rule} (${JSON.stringify(value)})`, async () => {
          const v = await validateDrop(dropFor(null, { [contract.file]: withCell(contract.file, col.name, value) }), { maxErrorRate: 1 });
          const hit = v.quarantine.find((q) => q.file === contract.file && q.line === 2 && q.rule === rule);
          expect(hit, JSON.stringify(v.quarantine.map((q) => q.rule))).toBeDefined();
          expect(hit!.column).toBe(col.name);
          expect(hit!.value).toBe(value === '' ? null : value);
          expect(hit!.message.startsWith(`${contract.file} line 2: ${col.name} `)).toBe(true);
        });
      }
    }
  }
});

import { describe, expect, it } from 'vitest';
import { toFields } from '../../contracts/csv';
import { jsonKeys, recordJson } from '../../contracts/raw-record';
import { createRng } from '../../models/random';

// The reference is JSON.stringify of the record's cells by name (what ingest wrote before); exact text equality.
const NASTY = ['plain', '', 'with "quotes"', 'back\\slash', 'tab\there', 'line\nbreak', 'cr\r', '\u0000\u001f', 'ünïcødé ✓ 日本', '\u2028', '{"json":1}', '=SUM(A1:A2)'];

describe('recordJson', () => {
  it('gives the text JSON.stringify(fields) gives, for every awkward cell and header (exact)', () => {
    const header = ['id', 'na"me', 'back\\', 'ütf'];
    const keys = jsonKeys(header);
    const rng = createRng(11);
    for (let i = 0; i < 500; i++) {
      const values = header.map(() => NASTY[rng.int(0, NASTY.length - 1)] + NASTY[rng.int(0, NASTY.length - 1)]);
      expect(recordJson(keys, values)).toBe(JSON.stringify(toFields(header, values)));
    }
  });

  it('parses back to the cells by name', () => {
    const header = ['a', 'b'];
    expect(JSON.parse(recordJson(jsonKeys(header), ['x "y"', 'z\\']))).toEqual({ a: 'x "y"', b: 'z\\' });
  });
});

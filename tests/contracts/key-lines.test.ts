import { describe, expect, it } from 'vitest';
import { KeyLines } from '../../contracts/key-lines';
import { createRng } from '../../models/random';

/** KeyLines must answer as a Map<string, number> does, for every key asked, through its growth. */
describe('KeyLines', () => {
  it('answers as a Map on 200k random keys (ids, composite keys, empty, non-Latin-1), set and overwritten (exact)', () => {
    const r = createRng(7);
    const rng = () => r.uniform();
    const alphabet = ['A', 'C', '-', '0', '1', '9', ',', 'é', 'ÿ', '→', '日'];
    const keyOf = () => {
      const n = Math.floor(rng() * 14);
      let k = '';
      for (let i = 0; i < n; i++) k += alphabet[Math.floor(rng() * (rng() < 0.9 ? 7 : alphabet.length))];
      return k;
    };
    const ref = new Map<string, number>();
    const k = new KeyLines();
    for (let line = 2; line < 200_002; line++) {
      const key = keyOf();
      expect(k.get(key)).toBe(ref.get(key));
      if (rng() < 0.5 || !ref.has(key)) {
        k.set(key, line);
        ref.set(key, line);
      }
    }
    expect(k.size).toBe(ref.size);
    for (const [key, line] of ref) expect(k.get(key)).toBe(line);
    expect(k.get('not a key')).toBeUndefined();
  });

  it('keeps a million distinct ids apart', () => {
    const k = new KeyLines();
    for (let i = 0; i < 1_000_000; i++) k.set(`TP-${String(i).padStart(9, '0')}`, i + 2);
    expect(k.size).toBe(1_000_000);
    for (let i = 0; i < 1_000_000; i += 997) expect(k.get(`TP-${String(i).padStart(9, '0')}`)).toBe(i + 2);
    expect(k.get('TP-001000000')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { rollUpAccounts, topParentOf } from '../../models/graph';

describe('rollUpAccounts', () => {
  it.each([
    {
      name: 'chain and siblings',
      accounts: [['A', null], ['B', 'A'], ['C', 'B'], ['D', 'A'], ['E', null]],
      top: { A: 'A', B: 'A', C: 'A', D: 'A', E: 'E' },
      cycles: [],
    },
    {
      name: 'parent missing from the file: the chain stops at the last known account',
      accounts: [['B', 'ghost'], ['C', 'B']],
      top: { B: 'B', C: 'B' },
      cycles: [],
    },
    {
      name: 'a cycle with a tail: members roll up to the smallest id, the cycle is reported',
      accounts: [['T', 'K2'], ['K2', 'K3'], ['K3', 'K1'], ['K1', 'K2']],
      top: { T: 'K1', K1: 'K1', K2: 'K1', K3: 'K1' },
      cycles: [['K1', 'K2', 'K3']],
    },
    { name: 'self-parent', accounts: [['S', 'S']], top: { S: 'S' }, cycles: [['S']] },
  ] as { name: string; accounts: [string, string | null][]; top: Record<string, string>; cycles: string[][] }[])(
    '$name',
    ({ accounts, top, cycles }) => {
      const r = rollUpAccounts(accounts.map(([account_id, parent_account_id]) => ({ account_id, parent_account_id })));
      expect(Object.fromEntries(r.topParent)).toEqual(top);
      expect(r.cycles).toEqual(cycles);
    },
  );
  it('a 200,000-deep chain resolves without recursion (no stack overflow)', () => {
    const n = 200_000;
    const accounts = Array.from({ length: n }, (_, i) => ({ account_id: `A${i}`, parent_account_id: i ? `A${i - 1}` : null }));
    const r = rollUpAccounts(accounts.reverse());
    expect(r.topParent.get(`A${n - 1}`)).toBe('A0');
    expect(topParentOf(r.topParent, 'unknown')).toBe('unknown');
  });
});

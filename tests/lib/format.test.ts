import { describe, expect, it } from 'vitest';
import { pClause, pct, pValue, ratioRange, usd } from '../../lib/format';

/**
 * One rule for p-values wherever they print (the report's drift table,
 * `acvloop show`, `acvloop analyze survival`): a p-value that underflowed to
 * 0 reads `< 1e-300`, never `0.000e+0` as if the test were certain.
 */
describe('pValue', () => {
  it.each([
    [0.5, '0.500'],
    [1, '1.000'],
    [0.0423, '0.042'],
    [0.001, '0.001'],
    [0.00099, '9.9e-4'],
    [3.24e-45, '3.2e-45'],
    [1e-300, '1.0e-300'],
    [9e-301, '< 1e-300'],
    [5e-324, '< 1e-300'],
    [0, '< 1e-300'],
    [null, '—'],
    [undefined, '—'],
    [Number.NaN, '—'],
    [-0.1, '—'],
    [1.5, '—'],
  ])('%s reads %s', (p, shown) => {
    expect(pValue(p)).toBe(shown);
  });

  it('in a sentence: "p = 0.042", and "p < 1e-300" with no equals sign', () => {
    expect(pClause(0.0423)).toBe('p = 0.042');
    expect(pClause(0)).toBe('p < 1e-300');
    expect(pClause(null)).toBe('p = —');
  });
});

describe('money, shares and ratio intervals', () => {
  it.each([
    [1234567.4, '$1,234,567'],
    [-80, '-$80'],
    [0.4, '$0'],
    [null, '—'],
    [Number.POSITIVE_INFINITY, '—'],
  ])('usd(%s) reads %s', (n, shown) => {
    expect(usd(n)).toBe(shown);
  });

  it('reads shares as percentages and ratio intervals to two decimals', () => {
    expect(pct(0.1234)).toBe('12.3%');
    expect(pct(0.5, 0)).toBe('50%');
    expect(pct(undefined)).toBe('—');
    expect(ratioRange([0.81, 1.234])).toBe('0.81 – 1.23');
  });
});

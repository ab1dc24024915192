import { describe, expect, it } from 'vitest';
import { jsonSyntaxError } from '../../config/json-syntax';

describe('where a JSON text breaks', () => {
  it.each([
    ['a trailing comma', '{\n  "a": 1,\n}', { line: 3, column: 1, message: 'expected a key in double quotes, found "}"' }],
    ['a missing comma', '{"a": 1\n "b": 2}', { line: 2, column: 2, message: 'expected "," or "}", found "\\""' }],
    ['a key without quotes', '{ a: 1 }', { line: 1, column: 3, message: 'expected a key in double quotes, found "a"' }],
    ['single quotes', "{\"a\": 'x'}", { line: 1, column: 7, message: 'expected a value, found "\'"' }],
    ['a cut-off file', '{"a": [1, 2', { line: 1, column: 12, message: 'expected "," or "]", found the end of the file' }],
    ['an unclosed string', '{"a": "x}', { line: 1, column: 10, message: 'expected a closing ", found the end of the file' }],
    ['a comment', '{\n  // reviewers\n}', { line: 2, column: 3, message: 'expected a key in double quotes, found "/"' }],
    ['a leading zero', '{"a": 01}', { line: 1, column: 8, message: 'expected "," or "}", found "1"' }],
    ['a bad escape', '{"a": "\\x"}', { line: 1, column: 9, message: 'expected an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), found "x"' }],
    ['a misspelt literal', '{"a": ture}', { line: 1, column: 8, message: 'expected "true", found "u"' }],
    ['two documents', '{}\n{}', { line: 2, column: 1, message: 'expected nothing after the value, found "{"' }],
    ['nothing at all', '', { line: 1, column: 1, message: 'expected a value, found the end of the file' }],
  ])('finds %s', (_what, text, at) => {
    expect(() => JSON.parse(text)).toThrow(); // the case is really not JSON
    expect(jsonSyntaxError(text)).toEqual(at);
  });

  it('finds nothing in valid JSON', () => {
    for (const text of ['{}', '[]', '0', '-1.5e+3', '"\\u00e9\\n"', ' {"a": [true, false, null, {"b": "c"}]} \n']) {
      expect(JSON.parse(text)).toBeDefined();
      expect(jsonSyntaxError(text)).toBeNull();
    }
  });
});

/**
 * Where a JSON text first breaks the grammar (RFC 8259), and how. Node 20's
 * `JSON.parse` says what it did not expect but not where, and an operator
 * fixing a config file by hand needs the line and column.
 *
 * @example
 * jsonSyntaxError('{"a": 1,\n}'); // { line: 2, column: 1, message: 'expected a key in double quotes, found "}"' }
 * jsonSyntaxError('{"a": 1}');    // null
 */
export function jsonSyntaxError(text: string): { line: number; column: number; message: string } | null {
  const at = firstError(text);
  return at && { ...lineAndColumn(text, at.offset), message: at.message };
}

class SyntaxAt {
  constructor(readonly offset: number, readonly message: string) {}
}

function firstError(text: string): SyntaxAt | null {
  let i = 0;
  const found = () => (i >= text.length ? 'the end of the file' : JSON.stringify(text[i]));
  const fail = (expected: string): never => { throw new SyntaxAt(i, `expected ${expected}, found ${found()}`); };
  const space = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const word = (w: string) => { for (const ch of w) { if (text[i] !== ch) fail(`"${w}"`); i++; } };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) fail('a closing "');
      const ch = text[i];
      if (ch === '"') { i++; return; }
      if (ch < ' ') fail('no control character inside a string (write \\n, \\t)');
      if (ch === '\\') {
        i++;
        if (text[i] === 'u') {
          i++;
          for (let k = 0; k < 4; k++) { if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail('four hex digits after \\u'); i++; }
        } else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i])) i++;
        else fail('an escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
      } else i++;
    }
  };
  const number = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (/[1-9]/.test(text[i] ?? '')) { while (/[0-9]/.test(text[i] ?? '')) i++; } else fail('a digit');
    if (text[i] === '.') { i++; if (!/[0-9]/.test(text[i] ?? '')) fail('a digit after the decimal point'); while (/[0-9]/.test(text[i] ?? '')) i++; }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!/[0-9]/.test(text[i] ?? '')) fail('a digit in the exponent');
      while (/[0-9]/.test(text[i] ?? '')) i++;
    }
  };
  const value = (): void => {
    space();
    const ch = text[i];
    if (ch === '{') {
      i++; space();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        space();
        if (text[i] !== '"') fail('a key in double quotes');
        string(); space();
        if (text[i] !== ':') fail('":" after the key');
        i++; value(); space();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail('"," or "}"');
      }
    }
    if (ch === '[') {
      i++; space();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(); space();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail('"," or "]"');
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return word('true');
    if (ch === 'f') return word('false');
    if (ch === 'n') return word('null');
    if (ch === '-' || /[0-9]/.test(ch ?? '')) return number();
    fail('a value');
  };
  try {
    value(); space();
    if (i < text.length) fail('nothing after the value');
    return null;
  } catch (err) {
    if (err instanceof SyntaxAt) return err;
    throw err;
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

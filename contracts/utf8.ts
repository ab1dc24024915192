/**
 * Where a file stops being UTF-8, so that a reader can name the line (a
 * Latin-1 or Windows-1252 export is the usual culprit: é is the one byte 0xE9).
 */

const isContinuation = (b: number) => (b & 0xc0) === 0x80;

/**
 * The offset of the first byte of `bytes` that starts no valid UTF-8
 * character, or -1. A character cut off at the end is not an error here (the
 * next chunk may complete it), and up to three continuation bytes at the start
 * are taken as the end of a character begun in the previous chunk.
 * @example
 * firstInvalidUtf8(Buffer.from([0x61, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a])); // 5: café in Latin-1
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < 3 && i < bytes.length && isContinuation(bytes[i])) i++;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // The continuation bytes a lead byte needs, and the range its first one must fall in (no overlong forms, no surrogates, nothing past U+10FFFF).
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return -1;
      const c = bytes[i + k];
      if (k === 1 ? c < lo || c > hi : !isContinuation(c)) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Newlines (0x0A, which no multi-byte UTF-8 character contains) in `bytes` before `end`. */
export function countNewlines(bytes: Uint8Array, end = bytes.length): number {
  let n = 0;
  for (let p = bytes.indexOf(10); p >= 0 && p < end; p = bytes.indexOf(10, p + 1)) n++;
  return n;
}

/**
 * The first line of each key value of a file, for uniqueness and for the
 * references of later files, in typed arrays rather than a Map.
 *
 * A drop's keys are millions of short ids (6.7M touchpoint ids, 5M
 * (account_id, month) pairs in a 1 GB drop). In a `Map<string, number>`
 * each costs about 75 bytes (a composite key built as a string about 145),
 * and a cell of 13 characters or more is a slice that keeps its whole read
 * buffer alive. Here a key's characters are copied into one byte arena and
 * the table holds indices: about 12 bytes per key plus its characters, none
 * of it on the V8 heap. Keys with a character above U+00FF (not one byte)
 * go to a plain Map; ids never have them.
 */

const EMPTY = 0;
const FIRST_SLOTS = 1 << 10;
const FIRST_KEYS = 1 << 9;
const FIRST_BYTES = 1 << 13;

/**
 * Key -> line (a positive 32-bit integer), open addressing with linear probing.
 * @example
 * const k = new KeyLines();
 * k.set('ACC-1', 2);
 * k.get('ACC-1') // 2
 * k.get('ACC-2') // undefined
 */
export class KeyLines {
  /** Key characters, one byte each, key after key. */
  private bytes = new Uint8Array(FIRST_BYTES);
  private used = 0;
  /** Per key, by insertion: where its characters start (the next key's start is where they end), its hash and its line. */
  private starts = new Int32Array(FIRST_KEYS + 1);
  private hashes = new Int32Array(FIRST_KEYS);
  private lines = new Int32Array(FIRST_KEYS);
  private count = 0;
  /** Hash table of key numbers + 1 (0: empty), a power of two, at most half full. */
  private slots = new Int32Array(FIRST_SLOTS);
  private readonly wide = new Map<string, number>();

  get size(): number {
    return this.count + this.wide.size;
  }

  get(key: string): number | undefined {
    const h = hashOf(key);
    if (h === WIDE) return this.wide.get(key);
    const at = this.find(key, h);
    return this.slots[at] === EMPTY ? undefined : this.lines[this.slots[at] - 1];
  }

  set(key: string, line: number): void {
    const h = hashOf(key);
    if (h === WIDE) {
      this.wide.set(key, line);
      return;
    }
    const at = this.find(key, h);
    if (this.slots[at] !== EMPTY) {
      this.lines[this.slots[at] - 1] = line;
      return;
    }
    this.slots[at] = this.append(key, h, line) + 1;
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private find(key: string, h: number): number {
    const mask = this.slots.length - 1;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const n = this.slots[at];
      if (n === EMPTY || (this.hashes[n - 1] === h && this.equals(n - 1, key))) return at;
    }
  }

  private equals(n: number, key: string): boolean {
    const start = this.starts[n];
    if (this.starts[n + 1] - start !== key.length) return false;
    const bytes = this.bytes;
    for (let i = 0; i < key.length; i++) if (bytes[start + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /** Stores the key's characters, hash and line; returns its number. */
  private append(key: string, h: number, line: number): number {
    if (this.count + 1 >= this.starts.length) this.growKeys();
    while (this.used + key.length > this.bytes.length) this.bytes = grown(this.bytes, this.bytes.length * 2);
    const bytes = this.bytes;
    for (let i = 0; i < key.length; i++) bytes[this.used + i] = key.charCodeAt(i);
    const n = this.count++;
    this.starts[n] = this.used;
    this.used += key.length;
    this.starts[n + 1] = this.used;
    this.hashes[n] = h;
    this.lines[n] = line;
    return n;
  }

  private growKeys(): void {
    const keys = this.hashes.length * 2;
    this.starts = grown(this.starts, keys + 1);
    this.hashes = grown(this.hashes, keys);
    this.lines = grown(this.lines, keys);
  }

  private rehash(size: number): void {
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let n = 0; n < this.count; n++) {
      let at = this.hashes[n] & mask;
      while (slots[at] !== EMPTY) at = (at + 1) & mask;
      slots[at] = n + 1;
    }
    this.slots = slots;
  }
}

/** Marks a key that is not one byte per character: it lives in the Map. */
const WIDE = -1;

/** FNV-1a over the characters; never WIDE for a one-byte key (that value is folded away). */
function hashOf(key: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c > 0xff) return WIDE;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h === WIDE ? 0 : h;
}

function grown<T extends Uint8Array | Int32Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

/**
 * The raw layer's form of a record: a JSON object of its cells by header
 * name, as ingest lands it in `raw_rows.record` (jsonb).
 */
/** `"name":` for each header cell, the fixed part of every record's JSON. */
export function jsonKeys(header: readonly string[]): string[] {
  return header.map((h) => `${JSON.stringify(h)}:`);
}

const JSON_ESCAPES = /["\\\u0000-\u001f]/;

/**
 * A record as the JSON object of its cells by header name, the text
 * `JSON.stringify(record.fields)` gives (jsonb keeps the last of a repeated
 * key either way), built without an object per row: ingest writes millions.
 * @example recordJson(jsonKeys(['id', 'name']), ['A-1', 'Acme "X"']) // '{"id":"A-1","name":"Acme \\"X\\""}'
 */
export function recordJson(keys: readonly string[], values: readonly string[]): string {
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const v = values[i];
    out += `${i === 0 ? '' : ','}${keys[i]}${JSON_ESCAPES.test(v) ? JSON.stringify(v) : `"${v}"`}`;
  }
  return `${out}}`;
}

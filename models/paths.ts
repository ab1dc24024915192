/**
 * Aggregated customer paths: the input of the path-level attribution engine.
 *
 * A path is an ordered list of channel touches with how many journeys that
 * followed it converted (`conversions`, with total `value`) and how many did
 * not (`nulls`). This is the shape of ChannelAttribution's path files
 * (`path;total_conversions;total_conversion_value;total_null`).
 */

/** One distinct path and its outcomes. */
export interface AttributionPath {
  /** Channels touched, oldest first; a channel may repeat. */
  channels: readonly string[];
  /** Journeys along this path that converted (may be fractional). */
  conversions: number;
  /** Total value (revenue, ACV) of those conversions. */
  value: number;
  /** Journeys along this path that did not convert. */
  nulls: number;
  /**
   * Optional age of each touch in days at the conversion (or decision) date,
   * same length as `channels`. Only the time-decay model reads it.
   */
  ageDays?: readonly number[];
}

/** A problem in a path file, with its 1-based line number. */
export class PathFileError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'PathFileError';
  }
}

export interface ParsePathsOptions {
  /** Field separator. Default ';'. */
  sep?: string;
  /**
   * Channel separator inside the path cell. Default '>'. Channel names are
   * trimmed of spaces, and empty names are skipped, as ChannelAttribution does.
   */
  channelSep?: string;
}

const REQUIRED_COLUMNS = ['path', 'total_conversions'] as const;

/** Splits a path cell into trimmed, non-empty channel names. */
export function splitPath(cell: string, channelSep = '>'): string[] {
  const out: string[] = [];
  for (const part of cell.split(channelSep)) {
    const name = part.trim();
    if (name !== '') out.push(name);
  }
  return out;
}

function parseCount(text: string, column: string, line: number): number {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(v) || v < 0) throw new PathFileError(line, `${column} must be a number >= 0, not "${text}"`);
  return v;
}

/**
 * One line's fields (RFC 4180 quoting: a field may be wrapped in double
 * quotes, with "" for a quote inside), so a path file written by a tool that
 * quotes its cells reads as the same paths.
 */
function splitFields(line: string, sep: string, lineNo: number): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new PathFileError(lineNo, 'a quoted field is not closed');
        v += line.slice(j, q);
        if (line[q + 1] === '"') {
          v += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(v);
      if (i === line.length) return out;
      if (!line.startsWith(sep, i)) throw new PathFileError(lineNo, `a quoted field is followed by "${line[i]}", not the separator "${sep}"`);
      i += sep.length;
    } else {
      const next = line.indexOf(sep, i);
      if (next < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, next));
      i = next + sep.length;
    }
  }
}

/**
 * Parses a ChannelAttribution-style path file. Columns are found by header
 * name: `path` and `total_conversions` are required, `total_conversion_value`
 * and `total_null` default to 0. Blank lines are skipped; CRLF and a UTF-8 BOM
 * are accepted. A field may be quoted as CSV quotes it (the package's own
 * files never are; files other tools write often are).
 *
 * @example
 * parsePathFile('path;total_conversions;total_conversion_value;total_null\na > b;1;10;2\n');
 * // [{ channels: ['a', 'b'], conversions: 1, value: 10, nulls: 2 }]
 */
export function parsePathFile(text: string, options: ParsePathsOptions = {}): AttributionPath[] {
  const sep = options.sep ?? ';';
  const channelSep = options.channelSep ?? '>';
  if (sep === '') throw new RangeError('the field separator must not be empty');
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitFields(lines[0], sep, 1).map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  for (const name of REQUIRED_COLUMNS) {
    if (col(name) < 0) throw new PathFileError(1, `the header lacks the "${name}" column (separator "${sep}"; found ${header.map((h) => `"${h}"`).join(', ')})`);
  }
  const iPath = col('path');
  const iConv = col('total_conversions');
  const iValue = col('total_conversion_value');
  const iNull = col('total_null');
  const paths: AttributionPath[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '') continue;
    const line = i + 1;
    const fields = splitFields(raw, sep, line);
    if (fields.length !== header.length) throw new PathFileError(line, `expected ${header.length} fields separated by "${sep}", found ${fields.length}`);
    const channels = splitPath(fields[iPath], channelSep);
    if (channels.length === 0) throw new PathFileError(line, 'the path has no channel');
    paths.push({
      channels,
      conversions: parseCount(fields[iConv], 'total_conversions', line),
      value: iValue >= 0 ? parseCount(fields[iValue], 'total_conversion_value', line) : 0,
      nulls: iNull >= 0 ? parseCount(fields[iNull], 'total_null', line) : 0,
    });
  }
  return paths;
}

/** Totals of a path list: the numbers every model's credit must reconcile to. */
export function pathTotals(paths: readonly AttributionPath[]): { conversions: number; value: number; nulls: number } {
  let conversions = 0;
  let value = 0;
  let nulls = 0;
  for (const p of paths) {
    conversions += p.conversions;
    value += p.value;
    nulls += p.nulls;
  }
  return { conversions, value, nulls };
}

/**
 * Merges paths with the same channel sequence (ages are dropped: merged paths
 * no longer share one set of ages). Markov and Shapley only read sequences,
 * so aggregating first makes them independent of the number of journeys.
 *
 * @example
 * aggregatePaths([
 *   { channels: ['a'], conversions: 1, value: 5, nulls: 0 },
 *   { channels: ['a'], conversions: 0, value: 0, nulls: 1 },
 * ]); // [{ channels: ['a'], conversions: 1, value: 5, nulls: 1 }]
 */
export function aggregatePaths(paths: readonly AttributionPath[]): AttributionPath[] {
  const byKey = new Map<string, { channels: readonly string[]; conversions: number; value: number; nulls: number }>();
  for (const p of paths) {
    // JSON keeps any channel name (even one containing a separator) unambiguous.
    const key = JSON.stringify(p.channels);
    const a = byKey.get(key);
    if (a) {
      a.conversions += p.conversions;
      a.value += p.value;
      a.nulls += p.nulls;
    } else byKey.set(key, { channels: p.channels, conversions: p.conversions, value: p.value, nulls: p.nulls });
  }
  return [...byKey.values()];
}

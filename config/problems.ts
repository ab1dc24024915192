import type { z } from 'zod';

/**
 * zod's issues as lines an operator can act on: each names the key by its
 * path (`approvals.largeBudgetMove.required`, `reviewers[0].roles[0]`), says
 * what was expected and what the file holds, and for an unknown key or value
 * suggests the nearest known one. One line per unknown key, so a file with
 * three typos gets three lines.
 *
 * Parse with `{ reportInput: true }` so the lines can quote the value.
 *
 * @example
 * problemLines(configSchema, configSchema.safeParse({ approvals: { requird: 2 } }, { reportInput: true }).error!);
 * // ['approvals.requird: unknown key (did you mean "required"?)']
 */
export function problemLines(schema: z.ZodType, error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => issueLines(schema, issue));
}

function issueLines(schema: z.ZodType, issue: z.core.$ZodIssue): string[] {
  const where = keyPath(issue.path);
  const got = 'input' in issue ? issue.input : undefined;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = keysAt(schema, issue.path);
      // A short list helps; a long one (a table's dozens of columns) would bury the message.
      const listed = known.length && known.length <= 12 ? ` (known keys here: ${known.join(', ')})` : '';
      return issue.keys.map((key) => `${keyPath([...issue.path, key])}: unknown key${nearest(key, known) || listed}`);
    }
    case 'invalid_type':
      return [got === undefined ? `${where}: missing (expected ${expectedType(issue.expected)})` : `${where}: expected ${expectedType(issue.expected)}, got ${shownWithKind(got)}`];
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v));
      const near = typeof got === 'string' ? nearest(got, issue.values.filter((v): v is string => typeof v === 'string')) : '';
      return [`${where}: ${shown(got)} is not one of ${values.join(', ')}${near}`];
    }
    case 'too_small':
    case 'too_big':
      return [`${where}: ${bound(issue)}, got ${shown(got)}`];
    case 'invalid_union':
      return [`${where}: expected ${issue.message}, got ${shown(got)}`];
    case 'invalid_format':
      return [`${where}: expected ${issue.format === 'url' ? 'a URL (https://…)' : issue.message}, got ${shown(got)}`];
    case 'custom':
      // A refinement's message is said of the value: `"0s" must be longer than 0`.
      return [got === undefined ? `${where}: ${issue.message}` : `${where}: ${shown(got)} ${issue.message}`];
    default:
      return [`${where}: ${issue.message}${got === undefined ? '' : `, got ${shown(got)}`}`];
  }
}

/** `approvals.timeout`, `reviewers[1].roles[0]`; the file itself is `(top level)`. */
function keyPath(path: readonly PropertyKey[]): string {
  const text = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
  return text || '(top level)';
}

/** The keys an object in the schema takes at `path` (array indices step into the element). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: any = schema;
  for (let i = 0; i <= path.length && node; ) {
    const def = node._zod.def;
    if (['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type)) node = def.innerType;
    else if (def.type === 'pipe') node = def.in;
    else if (i === path.length) break;
    else if (def.type === 'object') node = def.shape[path[i++] as string];
    else if (def.type === 'array') { node = def.element; i++; } else return [];
  }
  return node?._zod.def.type === 'object' ? Object.keys(node._zod.def.shape) : [];
}

/** ` (did you mean "x"?)` for the nearest candidate within a typo per three letters (at least one); else nothing. */
function nearest(word: string, candidates: readonly string[]): string {
  const ranked = candidates
    .map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .sort((a, b) => a.d - b.d);
  return ranked.length && ranked[0].d <= Math.max(1, Math.floor(word.length / 3)) ? ` (did you mean "${ranked[0].c}"?)` : '';
}

/** Levenshtein distance: insertions, deletions and substitutions, one each. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

function expectedType(expected: string): string {
  const names: Record<string, string> = {
    number: 'a number', int: 'a whole number', string: 'a string in double quotes', boolean: 'true or false',
    object: 'an object ({ … })', array: 'a list ([ … ])',
  };
  return names[expected] ?? expected;
}

function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  if (issue.origin === 'array') return small ? `needs at least ${limit} item${limit === 1 ? '' : 's'}` : `takes at most ${limit} item${limit === 1 ? '' : 's'}`;
  if (issue.origin === 'string') return small ? (limit === 1 ? 'must not be empty' : `needs at least ${limit} characters`) : `takes at most ${limit} characters`;
  if (small) return issue.inclusive === false ? `must be above ${limit}` : `must be at least ${limit}`;
  return issue.inclusive === false ? `must be below ${limit}` : `must be at most ${limit}`;
}

/** The value as the file wrote it, cut short when long. */
function shown(v: unknown): string {
  const json = JSON.stringify(v) ?? String(v);
  return json.length > 40 ? `${json.slice(0, 37)}…` : json;
}

/** The value with its kind, for when the kind is the mistake: `"2" (a string)`. */
function shownWithKind(v: unknown): string {
  if (typeof v === 'string') return `${shown(v)} (a string)`;
  if (Array.isArray(v)) return `${shown(v)} (a list)`;
  if (v !== null && typeof v === 'object') return `${shown(v)} (an object)`;
  return shown(v);
}

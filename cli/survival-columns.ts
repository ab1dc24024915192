/**
 * The columns of an analyst's CSV that `acvloop analyze survival` reads
 * beyond numbers: event flags written as words (Yes/No, churned/active) and
 * categorical covariates, which enter the Cox model as 0/1 dummies against a
 * reference level. Errors name the file, line and column in one line.
 */

export interface CsvRow { line: number; cells: string[] }

/**
 * A reader of the event column. Without `eventTrue`: 1/0 or true/false.
 * With it: a cell equal to `eventTrue` is an event and the column's one other
 * value is censoring (a third value is refused, so "yes" beside "Yes" is not
 * read as censored without a word).
 */
export function eventFlags(file: string, column: string, rows: CsvRow[], index: number, eventTrue?: string): boolean[] {
  if (eventTrue === undefined) return rows.map((r) => numericFlag(file, r.line, column, r.cells[index]));
  const event = eventTrue.trim();
  let censored: string | undefined;
  return rows.map((r) => {
    const c = r.cells[index].trim();
    if (c === event) return true;
    if (c === '') throw new Error(`${file}, line ${r.line}: event column "${column}" is empty`);
    censored ??= c;
    if (c !== censored) {
      throw new Error(`${file}, line ${r.line}: event column "${column}" is "${r.cells[index]}", a third value beside "${event}" (the event) ` +
        `and "${censored}" (censored)`);
    }
    return false;
  });
}

function numericFlag(file: string, line: number, column: string, cell: string): boolean {
  const c = cell.trim().toLowerCase();
  if (c === '1' || c === 'true') return true;
  if (c === '0' || c === 'false') return false;
  throw new Error(`${file}, line ${line}: event column "${column}" is "${cell}", not 0/1 or true/false ` +
    `(when the event is written otherwise, name it: --event-true ${JSON.stringify(cell.trim())})`);
}

/** A categorical covariate as asked for: `segment`, or `segment=SMB` to choose the reference level. */
export interface CategoricalSpec { column: string; reference?: string }

/** Parses `--categorical a,b=LEVEL`. */
export function parseCategorical(text: string | undefined): CategoricalSpec[] {
  if (!text) return [];
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    const eq = s.indexOf('=');
    return eq < 0 ? { column: s } : { column: s.slice(0, eq).trim(), reference: s.slice(eq + 1).trim() };
  });
}

export interface Dummies {
  /** One name per dummy, `column=level`. */
  names: string[];
  /** Per row, one 0/1 per dummy. */
  rows: number[][];
  /** Per column, the level every dummy is against. */
  references: Record<string, string>;
}

/**
 * 0/1 dummies of categorical columns: one per level but the reference, which
 * is the first level in sorted order unless the spec names it (as R's
 * `factor` and `relevel` do), so a two-level column gives the same fit as a
 * hand-made 0/1 column.
 * @example
 * dummies('t.csv', [{ line: 2, cells: ['SMB'] }, { line: 3, cells: ['ENT'] }], [{ column: 'segment' }], [0]);
 * // { names: ['segment=SMB'], rows: [[1], [0]], references: { segment: 'ENT' } }
 */
export function dummies(file: string, rows: CsvRow[], specs: CategoricalSpec[], indices: number[]): Dummies {
  const names: string[] = [];
  const references: Record<string, string> = {};
  const columns = specs.map((spec, k) => {
    const values = rows.map((r) => {
      const v = r.cells[indices[k]].trim();
      if (v === '') throw new Error(`${file}, line ${r.line}: categorical column "${spec.column}" is empty`);
      return v;
    });
    const levels = [...new Set(values)].sort();
    const reference = spec.reference ?? levels[0];
    if (!levels.includes(reference)) {
      throw new Error(`${file}: --categorical ${spec.column}=${reference}: "${reference}" is not a level of "${spec.column}" (${levels.join(', ')})`);
    }
    if (levels.length < 2) throw new Error(`${file}: categorical column "${spec.column}" has one level only ("${reference}"): it cannot be a covariate`);
    references[spec.column] = reference;
    const others = levels.filter((l) => l !== reference);
    names.push(...others.map((l) => `${spec.column}=${l}`));
    return { values, others };
  });
  return {
    names,
    rows: rows.map((_, i) => columns.flatMap((c) => c.others.map((l) => (c.values[i] === l ? 1 : 0)))),
    references,
  };
}

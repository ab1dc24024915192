import type { AuditEntry } from '../governance/audit-read';
import { usd } from '../lib/format';

/**
 * `acvloop audit` for people: one row per act, money rounded, long changes
 * and reasons folded onto a few lines and cut short past that (`--json`
 * keeps every entry whole).
 */

/** Widths and heights a terminal can take; beyond them a cell is cut short with an ellipsis. */
const CHANGE = { width: 56, lines: 8 };
const REASON = { width: 40, lines: 4 };
/** A number under one of these keys (at any depth) is US dollars. */
const MONEY_KEY = /budget|acv|arr|amount|spend|usd|revenue/i;
const ELLIPSIS = '…';

interface AuditRow {
  /** The audit entries the row shows: one, or a reviewer's decision and the run outcome it settled. */
  ids: number[];
  actions: string[];
  entry: AuditEntry;
}

/**
 * A run's outcome (`run.approved`, `run.rejected`) written by the same
 * reviewer, with the same reason, right after that reviewer's own decision
 * (`decision.approved`, `decision.rejected`) is the same act seen twice: the
 * decision is one approver's vote (there is one per approver when a run needs
 * several), the outcome is the gate's result (one per run, naming every
 * approver). Both stay in the append-only log; the table shows such a pair
 * as one row with both ids. An outcome of several approvers is a row of its own.
 */
function foldDecisionOutcomes(entries: AuditEntry[]): AuditRow[] {
  const rows: AuditRow[] = [];
  for (const e of entries) {
    const outcome = /^run\.(approved|rejected)$/.exec(e.action);
    const decision = outcome
      ? [...rows].reverse().find((r) => r.ids.length === 1 && r.entry.action === `decision.${outcome[1]}` && r.entry.runId === e.runId)
      : undefined;
    if (decision && decision.entry.actor === e.actor && (decision.entry.reason ?? null) === (e.reason ?? null)) {
      decision.ids.push(e.id);
      decision.actions.push(e.action);
    } else {
      rows.push({ ids: [e.id], actions: [e.action], entry: e });
    }
  }
  return rows;
}

/** The table `acvloop audit` prints, with a note under it for each kind of shortening it made. */
export function auditTable(entries: AuditEntry[]): string {
  const rows = foldDecisionOutcomes(entries);
  let cut = false;
  const fold = (text: string, box: { width: number; lines: number }) => {
    const lines = wrap(text, box.width);
    if (lines.length <= box.lines) return lines.join('\n');
    cut = true;
    const kept = lines.slice(0, box.lines);
    kept[box.lines - 1] = kept[box.lines - 1].slice(0, box.width - 1) + ELLIPSIS;
    return kept.join('\n');
  };
  const body = foldedTable(['id', 'at', 'actor', 'action', 'run', 'change', 'reason', 'model version', 'drop'],
    rows.map(({ ids, actions, entry: e }) => [ids.join('+'), e.at.replace(/\.\d+Z$/, 'Z'), e.actor, actions.join('\n'), e.runId ?? '—',
      fold(describeChange(e), CHANGE), e.reason ? fold(e.reason, REASON) : '—', e.modelVersion ?? '—',
      e.dropSha256 ? `${e.dropSha256.slice(0, 12)} (${e.dropFiles.length} file${e.dropFiles.length === 1 ? '' : 's'})` : '—']));
  const notes: string[] = [];
  if (rows.some((r) => r.ids.length > 1)) {
    notes.push('A row with two ids is one decision the log keeps twice, on purpose: the reviewer\'s own decision (decision.*, one per approver) ' +
      'and the run\'s outcome it settled (run.*, one per run).');
  }
  if (cut) notes.push(`${ELLIPSIS} marks a change or reason cut short here.`);
  if (notes.length) notes.push('acvloop audit --json lists every entry whole.');
  return [body, ...(notes.length ? ['', ...notes.flatMap((n) => wrap(n, 100))] : [])].join('\n');
}

/**
 * `before → after` in words: an alias move shows its versions; objects show
 * only the keys that changed, one key an item, nested keys inside it.
 * @example
 * describeChange({ before: { budget: { events: 35601.8907 } }, after: { budget: { events: 40000 } } } as AuditEntry)
 * // 'budget: events $35,602 → $40,000'
 */
function describeChange(e: Pick<AuditEntry, 'before' | 'after'>): string {
  const alias = (v: unknown) => (isObject(v) && 'alias' in v && 'version' in v ? String(v.version ?? 'none') : undefined);
  if (alias(e.after) !== undefined) return e.before == null ? alias(e.after)! : `${alias(e.before) ?? value(e.before, false)} → ${alias(e.after)}`;
  if (e.before == null && e.after == null) return '—';
  if ((e.before == null || isObject(e.before)) && (e.after == null || isObject(e.after))) {
    return changes(e.before ?? {}, e.after ?? {}, false).join('\n');
  }
  return e.before == null ? value(e.after, false) : `${value(e.before, false)} → ${value(e.after, false)}`;
}

/** One item per key whose value differs between `b` and `a`. */
function changes(b: Record<string, unknown>, a: Record<string, unknown>, money: boolean): string[] {
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.flatMap((k) => {
    const m = money || MONEY_KEY.test(k);
    const [was, is] = [b[k], a[k]];
    if (JSON.stringify(was) === JSON.stringify(is)) return [];
    if (isObject(was) && isObject(is)) return [`${k}: ${changes(was, is, m).map((c) => c.replace(/: /, ' ')).join(', ')}`];
    if (was === undefined) return [`${k}: ${value(is, m)}`];
    return [`${k}: ${value(was, m)} → ${is === undefined ? '(gone)' : value(is, m)}`];
  });
}

/** A value in a few characters: numbers rounded (dollars under a money key), hashes shortened, no JSON quotes. */
function value(v: unknown, money: boolean): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'number') return money ? usd(v) : roundNumber(v);
  if (typeof v === 'string') return v.replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, `$1${ELLIPSIS}`);
  if (Array.isArray(v)) return `[${v.map((x) => value(x, money)).join(', ')}]`;
  if (isObject(v)) return `{${Object.entries(v).map(([k, x]) => `${k}: ${value(x, money || MONEY_KEY.test(k))}`).join(', ')}}`;
  return String(v);
}

/** Whole numbers as they are; others to three significant digits, or to the unit from 100 up. */
function roundNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(Number(n.toPrecision(3)));
}

/** Lines of at most `width` characters, broken at spaces (a longer word is cut); each input line starts a new one. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (let word of para.split(' ')) {
      while (word.length > width) {
        if (line) out.push(line);
        out.push(word.slice(0, width));
        word = word.slice(width);
        line = '';
      }
      if (!line) line = word;
      else if (line.length + 1 + word.length <= width) line += ' ' + word;
      else {
        out.push(line);
        line = word;
      }
    }
    out.push(line);
  }
  return out;
}

/**
 * A plain text table whose cells may hold several lines: a row is as tall as
 * its tallest cell, and its first line alone starts with the id.
 */
function foldedTable(headers: string[], rows: string[][]): string {
  const cells = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => Math.max(...r[i].split('\n').map((l) => l.length)))));
  return cells.flatMap((r) => {
    const split = r.map((c) => c.split('\n'));
    const height = Math.max(...split.map((l) => l.length));
    return Array.from({ length: height }, (_, k) => split.map((l, i) => (l[k] ?? '').padEnd(widths[i])).join('  ').trimEnd());
  }).join('\n');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

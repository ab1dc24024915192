/**
 * The fast path of the CSV reader: splits the lines of a block of LF text
 * into their cells, for the lines where that is all RFC 4180 asks (no
 * quoting trouble).
 *
 * csv-parse walks every byte through a state machine and allocates a Buffer
 * per cell; here a line is cut with `indexOf`, which on a million-row file
 * is several times faster. It only takes what it can read exactly as
 * csv-parse (with the reader's options) would: cells separated by commas,
 * quoted cells (`"a, b"`, `""` for a quote) that close on the same line.
 * Anything else — a carriage return, a quote inside an unquoted cell, a
 * closing quote followed by another character, a quoted cell running onto
 * the next line — gives null, and the reader hands the file from that line
 * on to csv-parse, which reads it or reports the error as before.
 */

const QUOTE = 34;
const COMMA = 44;

/**
 * Splits lines of one block of text, in order. The next quote, comma and
 * carriage return are searched for once and only ever forward: searching
 * from each line again would rescan the whole block for a character it
 * does not hold (a file without quotes, a one-column file).
 * @example
 * const text = 'a,"b, c",,"say ""hi"""\n';
 * new LineSplitter(text).split(0, text.length - 1) // ['a', 'b, c', '', 'say "hi"']
 */
export class LineSplitter {
  private quoteAt: number;
  private commaAt: number;
  private readonly crAt: number;

  constructor(private readonly text: string) {
    this.quoteAt = text.indexOf('"');
    this.commaAt = text.indexOf(',');
    this.crAt = text.indexOf('\r');
  }

  /**
   * Cells of `text[start, end)`, a line without its `\n`; null when
   * csv-parse must decide. Lines must be asked for in order.
   */
  split(start: number, end: number): string[] | null {
    const text = this.text;
    if (this.crAt >= start && this.crAt < end) return null;
    const cells: string[] = [];
    let pos = start;
    for (;;) {
      if (this.quoteAt >= 0 && this.quoteAt < pos) this.quoteAt = text.indexOf('"', pos);
      if (this.quoteAt === pos) {
        const next = this.quotedCell(pos, end, cells);
        if (next < 0) return null;
        if (next > end) return cells;
        pos = next;
        continue;
      }
      if (this.commaAt >= 0 && this.commaAt < pos) this.commaAt = text.indexOf(',', pos);
      const stop = this.commaAt < 0 || this.commaAt > end ? end : this.commaAt;
      // A quote inside an unquoted cell is csv-parse's INVALID_OPENING_QUOTE.
      if (this.quoteAt >= 0 && this.quoteAt < stop) return null;
      cells.push(text.slice(pos, stop));
      if (stop === end) return cells;
      pos = stop + 1;
    }
  }

  /**
   * Reads the quoted cell opening at `open` into `cells`; returns where the
   * next cell starts (> end: the line is done), or -1 when csv-parse must decide.
   */
  private quotedCell(open: number, end: number, cells: string[]): number {
    const text = this.text;
    let value = '';
    let from = open + 1;
    for (;;) {
      const close = text.indexOf('"', from);
      this.quoteAt = close;
      // Not closed on this line: a newline inside quotes, or an unterminated quote.
      if (close < 0 || close >= end) return -1;
      const after = close + 1;
      if (after < end && text.charCodeAt(after) === QUOTE) {
        value += text.slice(from, after);
        from = after + 1;
        continue;
      }
      value += text.slice(from, close);
      cells.push(value);
      if (after === end) return end + 1;
      if (text.charCodeAt(after) === COMMA) return after + 1;
      return -1;
    }
  }
}

import type { PoolClient } from 'pg';
import type { AcceptedRowSink } from '../contracts';
import type { DropFileName } from '../contracts/rows';
import { copyLineWriter, copyTextCell, openCopy, type CopyWriter } from '../sql/copy';
import { SOURCE_TABLES } from '../sql/tables/sources';

/**
 * The validated source tables (`src_<file>`, sql/tables/sources.ts): a
 * batch's accepted rows, loaded by COPY in validate's transaction as the
 * contracts accept them, and never changed. Their tables and columns come
 * from `SOURCE_TABLES`; activities/load.ts reads them back.
 */

/**
 * A sink for validateDrop that COPYs each file's accepted rows into its
 * source table as they come, one COPY per file; `loaded` hears of each file
 * once its rows are in. `abort` cancels the COPY under way.
 */
export function sourceRowsCopy(client: PoolClient, batchId: string, loaded: (file: DropFileName) => void = () => {}): AcceptedRowSink & { abort(): Promise<void> } {
  const prefix = `${copyTextCell(batchId)}\t`;
  let open: { file: DropFileName; line: ReturnType<typeof copyLineWriter>; writer: CopyWriter } | null = null;
  return {
    row(file, row) {
      if (open === null) {
        const spec = SOURCE_TABLES[file] as { table: string; columns: string[] };
        open = { file, line: copyLineWriter(spec.columns), writer: openCopy(client, spec.table, ['batch_id', ...spec.columns]) };
      } else if (open.file !== file) {
        throw new Error(`rows of ${file} came before ${open.file} was done`);
      }
      open.writer.pushText(open.line(row, prefix));
    },
    async fileDone(file) {
      if (open === null) return;
      const { writer } = open;
      open = null;
      await writer.end();
      loaded(file);
    },
    ready: () => open?.writer.ready(),
    async abort() {
      if (open === null) return;
      const { writer } = open;
      open = null;
      await writer.abort();
    },
  };
}

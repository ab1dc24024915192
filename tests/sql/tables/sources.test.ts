import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACTS } from '../../../contracts';
import { DROP_FILES } from '../../../contracts/rows';
import { SOURCE_TABLES } from '../../../sql/tables/sources';
import { suiteDb } from '../../helpers/db';

let db: Awaited<ReturnType<typeof suiteDb>>;
beforeAll(async () => { db = await suiteDb('source_tables'); });
afterAll(async () => { await db?.drop(); });

interface DbColumn { name: string; type: string; nullable: boolean }

/** A column as information_schema has it, typed the way the migrations (and row-columns.ts) spell it. */
async function columnsOf(table: string): Promise<DbColumn[]> {
  const { rows } = await sql<{ column_name: string; data_type: string; numeric_precision: number | null; numeric_scale: number | null; is_nullable: string }>`
    select column_name, data_type, numeric_precision, numeric_scale, is_nullable from information_schema.columns
    where table_schema = ${db.schema} and table_name = ${table} order by ordinal_position`.execute(db.db);
  return rows.map((c) => ({
    name: c.column_name,
    type: c.data_type === 'numeric' ? `numeric(${c.numeric_precision}, ${c.numeric_scale})`
      : c.data_type === 'timestamp with time zone' ? 'timestamptz' : c.data_type,
    nullable: c.is_nullable === 'YES',
  }));
}

describe('the src_* tables the migrations made', () => {
  // The row columns are declared once, in each contract module; the frozen migrations wrote them again.
  it.each(DROP_FILES)('src_%s has batch_id, then the columns COPY writes in order, with their types and nullability', async (file) => {
    const spec = SOURCE_TABLES[file] as { table: string; columns: string[]; types: Record<string, string> };
    const row = CONTRACTS[file].row;
    const declared: DbColumn[] = [
      { name: 'batch_id', type: 'text', nullable: false },
      ...spec.columns.map((name) => ({ name, type: spec.types[name], nullable: row[name][0].safeParse(null).success })),
    ];
    expect(spec.table).toBe(`src_${file}`);
    expect(await columnsOf(spec.table)).toEqual(declared);
  });
});

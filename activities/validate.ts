import { sql, type Kysely } from 'kysely';
import type { PoolClient } from 'pg';
import { validateDrop, type AcceptedRowSink, type ContractDropValidation, type QuarantineRule } from '../contracts';
import type { DropValidation } from '../contracts/rows';
import { SOURCE_TABLES } from '../sql/tables/sources';
import { inLockedTransaction } from '../store/transaction';
import { insertValidationReport, quarantineSpool, validationReportExists } from '../store/ingest';
import { sourceRowsCopy } from '../store/sources';
import { registeredRun } from '../store/runs';
import type { Database } from '../sql/database';
import { ActivityDeps, batchOf, heartbeat, withStage } from './context';
import { contractsUnversioned, dropChanged, dropRejected } from './errors';
import { assertContractVersions } from '../contracts/compatibility';
import { fileDataset, LineageDataset, PRODUCER, pgDataset } from '../lib/openlineage';
import { refuseUncoveredMonth } from './month-coverage';

/**
 * Validate: checks the drop against the data contracts (the same code as
 * `acvloop validate`), after checking its files are byte for byte the ones
 * ingest landed. A rejected drop records its report and applies nothing; an
 * accepted one loads the validated tables and the quarantine in one
 * transaction, once per batch. A run for a month the batch does not cover
 * (spend or opportunities end before it) then fails without a retry.
 */
export function validateActivity(deps: ActivityDeps) {
  return async function validate({ runId }: { runId: string }) {
    return withStage(deps, runId, 'validate', async () => {
      const { db } = deps.db;
      // A contract changed in code without its version raised (or a breaking change without a new major) is
      // flagged before any drop is judged by it: the worker's contracts must match their published snapshots.
      try {
        assertContractVersions();
      } catch (err) {
        throw contractsUnversioned((err as Error).message);
      }
      const run = await registeredRun(db, runId);
      const batchId = await batchOf(deps, runId);
      const lineage = (files: DropValidation['files'], rules: readonly QuarantineRule[]) => lineageOf(deps, run.drop_path, files, rules);

      // A batch is validated once: later attempts and runs take its stored verdict.
      const stored = async () => {
        const prior = await db.selectFrom('validation_reports').selectAll().where('batch_id', '=', batchId).executeTakeFirst();
        if (!prior) return null;
        if (!prior.ok) throw dropRejected(prior.errors.join('; '));
        const files = prior.files as unknown as DropValidation['files'];
        // Each (file, rule) once, in the order its first row was stored: a batch's million entries are never read back.
        const q = await db.selectFrom('quarantine').select(['file', 'rule', 'column_name']).where('batch_id', '=', batchId)
          .groupBy(['file', 'rule', 'column_name']).orderBy(sql`min(ctid)`).execute();
        return { summary: summarize(batchId, files, true), ...lineage(files, rulesInOrder(q.map((x) => ({ ...x, column: x.column_name })))) };
      };
      const already = await stored();
      if (already) {
        await refuseUncoveredMonth(deps, run.month, batchId);
        return already;
      }

      const landed = await db.selectFrom('ingest_files').select(['file', 'sha256']).where('batch_id', '=', batchId).execute();
      let v: ContractDropValidation | undefined;
      try {
        await inLockedTransaction(deps, `batch:${batchId}`, async (client, tx) => {
          if (await validationReportExists(tx, batchId)) return; // a concurrent attempt finished first; the report below is its
          // Accepted rows and quarantine entries stream into COPY as their verdicts become final, none kept
          // in memory; a rejected drop rolls all of it back, so nothing of it is applied.
          const sink = batchSink(client, batchId);
          try {
            v = await validateDrop(run.drop_path, {
              retainRows: false,
              retainQuarantine: false,
              sink,
              onProgress: (file, rows) => heartbeat({ file, rows }),
            });
          } catch (err) {
            await sink.abort();
            throw err;
          } finally {
            sink.close();
          }
          for (const f of v.files) {
            const l = landed.find((x) => x.file === f.file);
            if (l && l.sha256 !== f.sha256) throw dropChanged(`${f.file} changed between ingest and validation`);
          }
          if (!v.ok) throw new Rejected();
          await insertReport(tx, batchId, v);
        });
      } catch (err) {
        if (!(err instanceof Rejected)) throw err;
        // The data went with the rollback; the verdict stays, so a retry or a re-run gets the same answer.
        await inLockedTransaction(deps, `batch:${batchId}`, (_client, tx) => insertReport(tx, batchId, v!));
        throw dropRejected(v!.errors.join('; '));
      }
      // The batch stays validated for runs of months it covers; this run's month is judged on its rows.
      await refuseUncoveredMonth(deps, run.month, batchId);
      if (!v) return (await stored())!;
      return { summary: summarize(batchId, v.files, false), ...lineage(v.files, v.quarantineRules) };
    });
  };
}

/**
 * Where validateDrop sends a batch: accepted rows into their source tables,
 * quarantine entries into `quarantine` once each file's rows are in (the
 * connection runs one COPY at a time, so entries wait in a spool file).
 */
function batchSink(client: PoolClient, batchId: string): AcceptedRowSink & { abort(): Promise<void>; close(): void } {
  const rows = sourceRowsCopy(client, batchId, (file) => heartbeat({ loaded: file }));
  const spool = quarantineSpool(client, batchId);
  return {
    row: (name, row) => rows.row(name, row),
    quarantine: (entry) => spool.add(entry),
    ready: () => rows.ready?.(),
    async fileDone(name) {
      await rows.fileDone?.(name);
      await spool.flush();
    },
    abort: () => rows.abort(),
    close: () => spool.close(),
  };
}

/** Each (file, rule) once, in the order of its first entry (as validateDrop's `quarantineRules`). */
function rulesInOrder(entries: readonly QuarantineRule[]): QuarantineRule[] {
  const seen = new Map<string, QuarantineRule>();
  for (const e of entries) {
    const key = `${e.file}\u0000${e.rule}`;
    if (!seen.has(key)) seen.set(key, { file: e.file, rule: e.rule, column: e.column });
  }
  return [...seen.values()];
}

/** Marks a drop the contracts rejected: the transaction rolls back, then the verdict is recorded. */
class Rejected extends Error {}

function insertReport(tx: Kysely<Database>, batchId: string, v: DropValidation): Promise<void> {
  return insertValidationReport(tx, { batchId, ok: v.ok, errors: v.errors, files: v.files,
    contractVersions: Object.fromEntries(v.files.map((f) => [f.file, f.contractVersion])) });
}

function summarize(batchId: string, files: DropValidation['files'], reused: boolean) {
  const sum = (k: 'rowsRead' | 'rowsAccepted' | 'rowsQuarantined') => files.reduce((a, f) => a + f[k], 0);
  return { batchId, rowsRead: sum('rowsRead'), rowsAccepted: sum('rowsAccepted'), rowsQuarantined: sum('rowsQuarantined'), reused };
}

/** Files in, validated tables out, with each file's contract checks as OpenLineage data quality assertions. */
function lineageOf(deps: ActivityDeps, dropPath: string, files: DropValidation['files'], rules: readonly QuarantineRule[]) {
  const inputs: LineageDataset[] = files.map((f) => {
    const broken = new Map<string, string | null>();
    for (const q of rules) if (q.file === f.file) broken.set(q.rule, q.column);
    return fileDataset(dropPath, f.file, { sha256: f.sha256, contractVersion: f.contractVersion }, {
      dataQualityAssertions: {
        _producer: PRODUCER,
        _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet',
        assertions: [
          { assertion: `contract ${f.file} v${f.contractVersion}: rows accepted`, success: f.rowsQuarantined === 0 },
          ...[...broken].map(([rule, column]) => ({ assertion: rule, success: false, ...(column ? { column } : {}) })),
        ],
      },
    });
  });
  const outputs = [...Object.values(SOURCE_TABLES).map((s) => s.table), 'quarantine'].map((t) => pgDataset(deps.db.schema, t));
  return { inputs, outputs };
}

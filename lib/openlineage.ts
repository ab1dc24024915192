import { createHash } from 'node:crypto';
import path from 'node:path';

/**
 * OpenLineage 2-0-2 RunEvents (https://openlineage.io/spec/2-0-2/OpenLineage.json).
 * Built here as plain JSON: stored in Postgres and POSTed to OPENLINEAGE_URL
 * (Marquez's /api/v1/lineage) when set. Shared vocabulary, in lib/: the
 * stages and the lift-test plan (queries/experiment-plans.ts) build their
 * events with it, and it needs no storage, stage or config.
 */
export const OPENLINEAGE_SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
export const PRODUCER = 'https://github.com/acvloop/acvloop';
export const NAMESPACE = 'acvloop';

export interface LineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, unknown>;
}

/** A deterministic UUID for a name, so a retried activity reports under the same OpenLineage run. */
export function uuidFor(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function schemaFacet(fields: { name: string; type: string }[]): Record<string, unknown> {
  return {
    schema: {
      _producer: PRODUCER,
      _schemaURL: 'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
      fields,
    },
  };
}

export function runEvent(args: {
  eventType: 'START' | 'COMPLETE' | 'FAIL';
  eventTime: string;
  runId: string;
  month: string;
  job: string;
  inputs?: LineageDataset[];
  outputs?: LineageDataset[];
  error?: string;
}): Record<string, unknown> {
  const [y, m] = args.month.split('-').map(Number);
  const nominalStart = new Date(Date.UTC(y, m - 1, 1)).toISOString();
  const nominalEnd = new Date(Date.UTC(y, m, 1)).toISOString();
  const runFacets: Record<string, unknown> = {
    parent: {
      _producer: PRODUCER,
      _schemaURL: 'https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet',
      run: { runId: uuidFor(args.runId) },
      job: { namespace: NAMESPACE, name: 'monthly_cycle' },
    },
    nominalTime: {
      _producer: PRODUCER,
      _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet',
      nominalStartTime: nominalStart,
      nominalEndTime: nominalEnd,
    },
    acvloop_run: { _producer: PRODUCER, _schemaURL: `${PRODUCER}/facets/run.json`, runId: args.runId },
  };
  if (args.error) {
    runFacets.errorMessage = {
      _producer: PRODUCER,
      _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
      message: args.error,
      programmingLanguage: 'TypeScript',
    };
  }
  return {
    eventType: args.eventType,
    eventTime: args.eventTime,
    producer: PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA,
    run: { runId: uuidFor(`${args.runId}/${args.job}`), facets: runFacets },
    job: { namespace: NAMESPACE, name: `monthly_cycle.${args.job}`, facets: {} },
    inputs: args.inputs ?? [],
    outputs: args.outputs ?? [],
  };
}

/** A table of this project's Postgres as an OpenLineage dataset. */
export function pgDataset(schema: string, table: string, facets?: Record<string, unknown>): LineageDataset {
  return { namespace: 'postgres://acvloop', name: `${schema}.${table}`, ...(facets ? { facets } : {}) };
}

/**
 * A drop file as an OpenLineage dataset, identified by its content hash
 * (and, once known, the contract version it was checked against).
 */
export function fileDataset(dropPath: string, file: string, content: { sha256: string; bytes?: number; contractVersion?: string | null },
  facets: Record<string, unknown> = {}): LineageDataset {
  return {
    namespace: 'file',
    name: path.join(dropPath, file),
    facets: { ...facets, acvloop_content: { _producer: PRODUCER, _schemaURL: `${PRODUCER}/facets/content.json`, ...content } },
  };
}

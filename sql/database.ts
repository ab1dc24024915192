/**
 * The typed Database for kysely: one interface per table of the migrations,
 * in one file per area under tables/ (as the migrations group them), joined
 * here. Nullable columns are `T | null`, never optional; column-types.ts says
 * how numeric, timestamps and JSON come back. The src_* tables are read off
 * the drop's row definitions (tables/sources.ts).
 */
import type { RunsTables } from './tables/runs';
import type { IngestTables } from './tables/ingest';
import type { SourceTables } from './tables/sources';
import type { LineageTables } from './tables/lineage';
import type { GraphTables } from './tables/graph';
import type { RegistryTables } from './tables/registry';
import type { OutputsTables } from './tables/outputs';
import type { ApprovalsTables } from './tables/approvals';
import type { AuditTables } from './tables/audit';
import type { DisputesTables } from './tables/disputes';
import type { DriftTables } from './tables/drift';
import type { FinanceTables } from './tables/finance';

export type * from './tables/runs';
export type * from './tables/ingest';
export type * from './tables/lineage';
export type * from './tables/graph';
export type * from './tables/registry';
export type * from './tables/outputs';
export type * from './tables/approvals';
export type * from './tables/audit';
export type * from './tables/disputes';
export type * from './tables/drift';
export type * from './tables/finance';

export interface Database
  extends RunsTables,
    IngestTables,
    SourceTables,
    LineageTables,
    GraphTables,
    RegistryTables,
    OutputsTables,
    ApprovalsTables,
    AuditTables,
    DisputesTables,
    DriftTables,
    FinanceTables {}

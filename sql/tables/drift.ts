/** Drift of a run's inputs against a reference run, per feature and per source. */
import type { Json } from './column-types';

export interface DriftFeaturesTable {
  run_id: string; source: string; feature: string; kind: 'number' | 'category';
  method: 'ks' | 'chisquare' | 'wasserstein' | 'jensenshannon' | 'none';
  statistic: number | null; p_value: number | null; psi: number | null; threshold: number; drifted: boolean;
  reference_run_id: string | null; detail: Json;
}

export interface DriftSourcesTable {
  run_id: string; source: string; rows: number; reference_rows: number; row_count_z: number | null; row_anomaly: boolean;
  drifted_share: number; drifted: boolean; detail: Json;
}

/** The drift tables by name. */
export interface DriftTables {
  drift_features: DriftFeaturesTable;
  drift_sources: DriftSourcesTable;
}

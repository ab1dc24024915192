/** The models' public surface: pure functions of plain data. */
export * from './random';
export * from './graph';
export * from './linalg';
export * from './attribution';
export * from './paths';
export * from './attribution-heuristics';
export * from './markov';
export * from './shapley';
export * from './attribution-paths';
export * from './attribution-acv';
export * from './survival';
export * from './cox';
export * from './sbg';
export * from './renewal';
export * from './ltv';
export * from './forecast';
export * from './budget';
export {
  DEFAULT_KPI_THRESHOLDS,
  UNKNOWN_REGION as KPI_UNKNOWN_REGION,
  NO_LEAD_SOURCE as KPI_NO_LEAD_SOURCE,
  kpiBand,
  marketingKpis,
  marketingKpiReport,
  KPI_HISTORY_MONTHS,
  trailingKpiReport,
  trailingMonths,
} from './kpi';
export type {
  KpiAccount,
  KpiBand,
  KpiContract,
  KpiOpportunity,
  KpiReport,
  KpiSet,
  KpiThresholds,
  LeadSourceWinRate,
  KpiOpportunityDated,
  KpiContractDated,
  KpiSpend,
  MarketingKpiOptions,
  MarketingKpiReport,
  MarketingKpiSet,
  NetOfChurn,
  ChannelAcvPerDollar,
  DealVelocity,
  SourceStats,
} from './kpi';
export * from './adstock';
export * from './nnls';
export * from './mmm';
export * from './mmm-series';
export * from './lifetimes';
export * from './experiment-plan';
export * from './identifiability';

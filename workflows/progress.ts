import { CYCLE_STAGES, type CycleInput, type CycleProgress, type StageName, type StageState } from './messages';

/** Workflow time (replayed as recorded), as the progress shows it. */
export const now = (): string => new Date().toISOString();

/** What the progress query shows when a run starts: every stage pending; a run of the earlier release never has drift or the backtest gate. */
export function startingProgress(input: CycleInput, governed: boolean): CycleProgress {
  const progress: CycleProgress = {
    runId: input.runId,
    month: input.month,
    requestedBy: input.requestedBy,
    status: 'running',
    stages: CYCLE_STAGES.map((name) => ({ name, status: 'pending', startedAt: null, finishedAt: null })),
  };
  if (!governed) for (const s of progress.stages) if (s.name === 'drift' || s.name === 'gate') s.status = 'skipped';
  return progress;
}

export function stageOf(progress: CycleProgress, name: StageName): StageState {
  return progress.stages.find((s) => s.name === name)!;
}

/** Runs one stage's activity, showing the stage running, then completed with the activity's summary, or failed. */
export async function runStage<T extends Record<string, unknown>>(progress: CycleProgress, name: StageName, activity: () => Promise<T>): Promise<T> {
  const stage = stageOf(progress, name);
  stage.status = 'running';
  stage.startedAt = now();
  try {
    const summary = await activity();
    stage.status = 'completed';
    stage.finishedAt = now();
    stage.summary = summary;
    return summary;
  } catch (err) {
    stage.status = 'failed';
    stage.finishedAt = now();
    throw err;
  }
}

/** A run that ends early skips the stages it did not reach. */
export function skipPendingStages(progress: CycleProgress): void {
  for (const s of progress.stages) if (s.status === 'pending') s.status = 'skipped';
}

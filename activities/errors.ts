import { ApplicationFailure } from '@temporalio/common';

/** A drop that cannot be applied: retrying would not help, so the run fails at once with the reason. */
export function dropRejected(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'DropRejected', message, nonRetryable: true });
}

/** The drop's files changed after the run started: the run must not mix two drops. */
export function dropChanged(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'DropChanged', message, nonRetryable: true });
}

/** The worker's data contracts changed without their version: no drop may be judged by them until they are versioned and published. */
export function contractsUnversioned(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'ContractsUnversioned', message, nonRetryable: true });
}

import { proxyActivities } from '@temporalio/workflow';
import type { CycleActivities } from '../activities';

/** The cycle's bookkeeping activities (register, record, remind): small writes, retried quickly. */
export const bookkeeping = proxyActivities<CycleActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
});

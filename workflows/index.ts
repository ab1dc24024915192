// The workflows a worker registers (this file is the bundle's entry point).
export { monthlyCycle } from './monthly-cycle';
export { scheduledCycle } from './scheduled-cycle';

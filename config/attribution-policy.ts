import path from 'node:path';
import { PROJECT_ROOT } from '../lib/project-root';
import { parseAttributionPolicy, type LoadedPolicy } from '../models/attribution-policy';
import { readJsonFile } from './json-file';

/** The attribution agreement a run uses when it is given none. */
export const DEFAULT_POLICY_FILE = path.join(PROJECT_ROOT, 'policies', 'attribution.json');

/** Reads and validates a policy file; errors name the file and the field. */
export function loadAttributionPolicy(file: string): LoadedPolicy {
  return parseAttributionPolicy(readJsonFile(file, 'attribution policy'), file);
}

/** The default agreement (policies/attribution.json). */
export function defaultAttributionPolicy(): LoadedPolicy {
  return loadAttributionPolicy(DEFAULT_POLICY_FILE);
}

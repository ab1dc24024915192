import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/project-root';

/** Where the published snapshots of the data contracts live (contracts/published/<file>/<version>.json). */
export const PUBLISHED_DIR = join(PROJECT_ROOT, 'contracts', 'published');

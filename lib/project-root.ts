import fs from 'node:fs';
import path from 'node:path';

/**
 * The checkout's root, the folder of acvloop's package.json: the same from
 * the sources (`lib/`) and from the build (`dist/lib/`), so files read at run
 * time (policies/, contracts/published/, the workflow sources) are found from
 * either. Walks up rather than counting `..`, which differs by one in dist/.
 */
export const PROJECT_ROOT = findProjectRoot(__dirname);

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`acvloop: no package.json above ${from}`);
  }
}

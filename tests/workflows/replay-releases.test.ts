import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowBundle } from '../helpers/temporal';

/**
 * A run waiting at the gate when a new worker release rolls out must go on
 * under the new code. Each release stores the histories its cycle produced
 * (tests/workflows/histories/release-<commit>/, recorded by running
 * monthly-cycle.test.ts with ACVLOOP_RECORD_HISTORIES), and every later
 * release must replay them without nondeterminism: workflow changes go
 * behind patched().
 */
const root = path.join(__dirname, 'histories');
const releases = fs.readdirSync(root).filter((d) => d.startsWith('release-')).sort();

describe('histories of earlier releases replay on this release', () => {
  it('has stored histories to replay, including one waiting at the gate', () => {
    expect(releases.length).toBeGreaterThan(0);
    for (const r of releases) expect(fs.readdirSync(path.join(root, r))).toContain('waiting-at-gate.json');
  });

  for (const release of releases) {
    it(`replays ${release}`, async () => {
      const files = fs.readdirSync(path.join(root, release)).filter((f) => f.endsWith('.json')).sort();
      const histories = files.map((f) => ({ workflowId: `${release}/${f}`, history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(root, release, f), 'utf8'))) }));
      const failures: string[] = [];
      for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
        if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
      }
      expect(failures).toEqual([]);
    });
  }
});

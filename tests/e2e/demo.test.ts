import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acvloop } from '../helpers/cli';

describe('acvloop demo (Quickstart, first command)', () => {
  it('starts its own Postgres and Temporal, runs one cycle through every stage and prints the summary', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acvloop-demo-'));
    // The embedded default: no DATABASE_URL, no TEMPORAL_ADDRESS.
    const r = await acvloop(['demo', '--accounts', '400', '--dir', dir], { DATABASE_URL: '', TEMPORAL_ADDRESS: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/embedded server started/);
    expect(r.stdout).toMatch(/dev server started/);
    for (const stage of ['ingest', 'validate', 'lineage', 'drift', 'graph', 'retrain', 'backtest', 'gate', 'score', 'approval', 'publish']) {
      expect(r.stdout).toMatch(new RegExp(`✓ ${stage}`));
    }
    expect(r.stdout).toMatch(/approves it as "demo-reviewer"/);
    expect(r.stdout).toMatch(/KPI "ACV from marketing leads"/);
    expect(r.stdout).toMatch(/Proposed budget/);
    const show = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'show.json'), 'utf8'));
    expect(show.status).toBe('completed');
    expect(show.contracts.scored).toBeGreaterThan(0);
    // The reviewer's page of the demo run: every section, opening offline (no script, nothing fetched).
    const report = fs.readFileSync(path.join(dir, 'out', 'report.html'), 'utf8');
    for (const id of ['read', 'attribution', 'kpi', 'forecast', 'renewals', 'budget', 'governance', 'lineage', 'decision']) expect(report).toContain(`<section id="${id}">`);
    // Eight Vega-Lite charts and the lineage graph.
    expect((report.match(/<svg[\s>]/g) ?? []).length).toBe(9);
    expect(report).toMatch(/<section id="lineage">[\s\S]*<svg [^>]*aria-labelledby="lineage-graph-title/);
    expect(report).not.toMatch(/<script|(src|href)="https?:/i);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

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
    for (const id of ['summary', 'read', 'attribution', 'kpi', 'forecast', 'renewals', 'accounts', 'finance', 'budget', 'governance', 'lineage', 'decision']) expect(report).toContain(`<section id="${id}">`);
    // The summary first; eleven Vega-Lite charts (the summary's ROI against break-even, the accounts' backtest lift and
    // the finance's margin per dollar among them); the whole cycle's lineage tangles past the measured threshold, so it
    // is the table alone.
    expect(report).toMatch(/<main><section id="summary">/);
    expect((report.match(/<svg[\s>]/g) ?? []).length).toBe(11);
    expect(report).toMatch(/<section id="lineage">(?:(?!<svg)[\s\S])*The graph of this run is not drawn(?:(?!<svg)[\s\S])*<\/section>/);
    expect(report).not.toMatch(/<script|(src|href)="https?:/i);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/**
 * The summary at the top of the page, on hand-built runs whose answers are
 * written out by hand: where each channel's ROI stands against 1 (judged on
 * its interval), what the run asks sign-off for, the three largest changes
 * since the last approved run, and what a reviewer must check.
 */
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../queries/run-report';
import type { ChannelChange } from '../../activities/approval';
import { decisionSummary, largestChanges, roiStanding } from '../../report/summary';
import { summarySection } from '../../report/summary-section';

const inc = (roi: number | null, interval: [number, number] | null) =>
  ({ spend: 1000, incrementalAcv: (roi ?? 0) * 1000, low: 0, high: 0, interval: 0.8, roi, mroi: null, roiInterval: interval, mroiInterval: null, attributedAcv: {} });
const line = (current: number, recommended: number, binding = 'total') => ({ current, recommended, change: recommended - current, binding });
const change = (channel: string, roiThen: number | null, roiNow: number | null, budgetThen: number | null, budgetNow: number | null,
  source: ChannelChange['source'] = 'new data'): ChannelChange =>
  ({ channel, roiThen, roiNow, budgetThen, budgetNow, steadyRoi: { thenFitThenSpend: null, thenFitNowSpend: null, nowFitNowSpend: null }, fromSpendLevel: null, fromRefit: null, source });

/** A run at the gate: two families to promote, a budget move beyond its guardrail, drift in one feature. */
function run(over: Partial<RunReport> = {}): RunReport {
  return {
    runId: 'r2', month: '2026-10', status: 'awaiting_approval', requestedBy: 'dee', approval: null, disputes: [],
    ingest: { batchId: 'b', files: [{ file: 'spend.csv', sha256: 'x', rowsRead: 10, rowsAccepted: 8, rowsQuarantined: 2, contractVersion: '1.0.0' }], quarantineByRule: [] },
    incrementality: { display: inc(0.61, [0.2, 1.12]), event: inc(0.78, [0.61, 0.92]), paid_social: inc(1.4, [1.1, 1.8]), webinar: inc(2.0, null), idle: inc(null, null) },
    budget: { display: line(100_000, 130_000), event: line(200_000, 150_000, 'floor'), paid_social: line(50_000, 70_000), webinar: line(10_000, 10_000) },
    gate: { passed: true, promote: ['renewal', 'attribution'], checks: [], families: {
      renewal: { passed: true, reason: 'challenger Brier 0.180 beats champion 0.195', version: 'v2' },
      attribution: { passed: true, reason: 'stable credit', version: 'v2' },
    } },
    approvalRequest: {
      requiredApprovers: 2, budgetMoveShare: 0.3, previousRunId: 'r1',
      signOff: { promotion: ['renewal', 'attribution'], budget: { share: 0.3, threshold: 0.2, beyondGuardrails: true },
        drift: { driftedSources: ['spend'], driftedFeatures: ['spend.amount'], rowAnomalies: [] } },
      changes: { previousRunId: 'r1', codeChanged: false, dropChanged: true, note: 'same model code', channels: [
        change('display', 0.8, 0.61, 100_000, 130_000),       // ROI −24%, budget +30%
        change('event', 0.78, 0.78, 200_000, 150_000),        // budget −25%
        change('paid_social', 1.0, 1.4, 70_000, 70_000),      // ROI +40%
        change('webinar', 2.0, 2.02, 10_000, 10_100),         // small: +1%, +1%
      ] },
    },
    ...over,
  } as unknown as RunReport;
}

describe('roiStanding: where ROI stands against 1, judged on its interval', () => {
  it.each([
    [1.4, [1.1, 1.8], 'above break-even'],
    [0.8, [0.6, 0.92], 'below break-even'],
    [0.9, [0.6, 1.2], 'cannot tell'],
    [1.2, [0.95, 1.5], 'cannot tell'],
    [1.0, [1.0, 1.3], 'cannot tell'],   // touching 1 is not above it
    [0.9, [0.7, 1.0], 'cannot tell'],
    [3.0, null, 'cannot tell'],         // a point without an interval cannot say
  ] as const)('ROI %s with interval %j: %s', (roi, interval, standing) => {
    expect(roiStanding(roi, interval as [number, number] | null)).toBe(standing);
  });

  it('says nothing for a channel without spend (no ROI)', () => {
    expect(roiStanding(null, null)).toBeNull();
  });
});

describe('decisionSummary', () => {
  const s = decisionSummary(run());

  it('names what is asked: how many approvers, each family to promote with the gate\'s reason, the budget move and its largest lines, the drift', () => {
    expect(s.asked.headline).toBe('2 approvers must sign off on:');
    expect(s.asked.items).toEqual([
      'Promote the new renewal model: challenger Brier 0.180 beats champion 0.195.',
      'Promote the new attribution model: stable credit.',
      'Apply the budget move of 30.0% of monthly spend, beyond the 20% guardrail, so it needs sign-off of its own: '
        + 'event down $50,000 to $150,000, display up $30,000 to $130,000, paid_social up $20,000 to $70,000.',
      'Sign off on drift: spend.amount drifted from the reference.',
    ]);
  });

  it('says once what families share: one line for the families the gate passed for the same reason', () => {
    const same = { passed: true, reason: 'every check passed', version: 'v2' };
    const r = run({ gate: { passed: true, promote: ['renewal', 'attribution', 'forecast'], checks: [], families: { renewal: same, attribution: same, forecast: same } } });
    (r.approvalRequest!.signOff as { promotion: string[] }).promotion = ['renewal', 'attribution', 'forecast'];
    expect(decisionSummary(r).asked.items[0]).toBe('Promote the new renewal, attribution and forecast models: every check passed.');
  });

  it('says which newer champion an older run keeps, as the sign-off words it', () => {
    const r = run();
    (r.approvalRequest!.signOff as Record<string, unknown>).champion = { moves: ['attribution'], kept: [{ family: 'renewal', champion: 'c', month: '2026-11' }],
      text: 'approving keeps the renewal champion of 2026-11 unless the approver asks' };
    expect(decisionSummary(r).asked.items[2]).toBe('Approving keeps the renewal champion of 2026-11 unless the approver asks.');
    expect(decisionSummary(run()).asked.items).toHaveLength(4);
  });

  it('gives the three largest changes since the last approved run in words, largest first', () => {
    expect(s.changes.previousRunId).toBe('r1');
    expect(s.changes.lines).toEqual([
      'paid_social: ROI rose from 1.00 to 1.40 (+40%) (new data)',
      'display: recommended budget rose from $100,000 to $130,000 (+30%)',
      'event: recommended budget fell from $200,000 to $150,000 (−25%)',
    ]);
  });

  it('puts each channel with spend against break-even, and leaves out the one without', () => {
    expect(s.roi.map((x) => [x.channel, x.standing])).toEqual([
      ['display', 'cannot tell'], ['event', 'below break-even'], ['paid_social', 'above break-even'], ['webinar', 'cannot tell'],
    ]);
  });

  it('lists what to check, each with the section that shows it', () => {
    expect(s.checks).toEqual([
      { text: 'The backtest of each family to promote (renewal, attribution): the challenger against the champion, and the gate\'s reasons.', section: 'governance' },
      { text: 'The budget adds spend where the return is not shown to pay: display (+$30,000 a month; ROI cannot be told from break-even).', section: 'attribution' },
      { text: 'The channels a guardrail holds, not the optimizer: event (floor).', section: 'budget' },
      { text: 'The drift: whether the drifted features and row counts are a real change in the business or a fault in the drop.', section: 'governance' },
      { text: '2 rows were quarantined: whether what was left out matters.', section: 'read' },
    ]);
  });

  it('names a lift test that disagrees with the model in what is asked and what to check; one that agrees is neither', () => {
    const side = { roi: 0.5, p10: 0.3, p90: 0.7, testMonths: { incrementalAcv: 50, p10: 30, p90: 70 } };
    const lift = (channel: string, verdict: 'agrees' | 'disagrees', why: string) => ({ channel, verdict, why, before: side, after: { ...side, roi: 0.8 },
      test: { start: '2026-03', end: '2026-04', months: 2, incrementalAcv: 90, stderr: 10, p10: 77.18, p90: 102.82 } });
    const why = 'The event test measured $90 ± $10 of incremental ACV over 2026-03..2026-04, all of it above what the model without tests expected.';
    const flagged = decisionSummary(run({ calibration: [lift('event', 'disagrees', why), lift('display', 'agrees', 'The intervals overlap.')] }));
    expect(flagged.asked.items).toEqual([...s.asked.items,
      'Review the event lift test of 2026-03..2026-04: it disagrees with the model, so it decided the channel\'s estimate (calibrated ROI 0.80); check the test\'s design and the channel\'s data.']);
    expect(flagged.checks).toEqual([...s.checks.slice(0, 2),
      { text: `A lift test disagrees with the model beyond both 80% intervals (the test decided the channel's estimate; check the test and the channel's data): ${why}`,
        section: 'experiments' }, ...s.checks.slice(2)]);
    const agreed = decisionSummary(run({ calibration: [lift('display', 'agrees', 'The intervals overlap.')] }));
    expect([agreed.asked.items, agreed.checks]).toEqual([s.asked.items, s.checks]);
  });

  it('says when nothing is asked, when there is nothing to compare with, and when the run predates approval requests', () => {
    const none = decisionSummary(run({ approvalRequest: { requiredApprovers: 0, budgetMoveShare: 0.05, previousRunId: null,
      signOff: { promotion: [], budget: { share: 0.05, threshold: 0.2, beyondGuardrails: false }, drift: { driftedSources: [], driftedFeatures: [], rowAnomalies: [] } },
      changes: { previousRunId: null, codeChanged: false, dropChanged: false, channels: [], note: 'no earlier approved run to compare with' } } }));
    expect(none.asked.headline).toMatch(/^Nothing needs sign-off: no model to promote, no drift, and the budget moves 5\.0% of spend, within the 20% that needs approvers/);
    expect(none.changes).toEqual({ previousRunId: null, lines: [], note: 'No earlier approved run to compare with: this is the first.' });
    const older = decisionSummary(run({ approvalRequest: null }));
    expect(older.asked.headline).toMatch(/^No approval request was recorded for this run/);
    expect(decisionSummary(run({ approvalRequest: null, status: 'running' })).asked.headline).toBe('Nothing is asked yet: the run has not reached the approval gate.');
  });

  it('counts a value that appears or disappears as a large change, and says when nothing changed', () => {
    const c = largestChanges({ previousRunId: 'r1', codeChanged: true, dropChanged: true, note: '', channels: [change('a', 1, 1.5, 10, 10), change('b', null, 0.7, null, 5)] });
    expect(c.lines).toEqual(['b: ROI new this run: 0.70 (new data)', 'b: recommended budget new this run: $5', 'a: ROI rose from 1.00 to 1.50 (+50%) (new data)']);
    expect(c.note).toMatch(/model code changed/);
    expect(largestChanges({ previousRunId: 'r1', codeChanged: false, dropChanged: true, note: '', channels: [change('a', 1, 1, 10, 10, 'unchanged')] }).note)
      .toBe('No channel\'s ROI or budget changed.');
  });
});

describe('summarySection', () => {
  it('is one section with a chart and a table that says each standing in words, and escapes what it quotes', async () => {
    const html = await summarySection(decisionSummary(run({ gate: { passed: true, promote: ['renewal'], checks: [], families: { renewal: { passed: true, reason: '<b>x</b>', version: 'v' } } } })));
    expect(html).toMatch(/^<section id="summary"><h2>The decision<\/h2>/);
    expect(html).toContain('Promote the new renewal model: &lt;b&gt;x&lt;/b&gt;.');
    expect(html.match(/<svg[\s>]/g)).toHaveLength(1);
    expect(html).toMatch(/<tr class="standing-above"><td>paid_social<\/td><td class="num">1\.40<\/td><td>1\.10 – 1\.80<\/td><td>above break-even<\/td><\/tr>/);
    expect(html).toMatch(/<td>webinar<\/td><td class="num">2\.00<\/td><td>not kept<\/td><td>cannot tell<\/td>/);
    expect(html).toContain('<a href="#governance">');
  });
});

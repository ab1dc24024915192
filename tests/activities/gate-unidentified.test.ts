import { describe, expect, it } from 'vitest';
import { gateChecks } from '../../activities/gate';
import { DEFAULT_CONFIG } from '../../config/schema';

const input = (identified: boolean | undefined) => ({
  thresholds: DEFAULT_CONFIG.gate,
  backtests: [],
  versions: [{ family: 'incrementality', params: { residualSd: 1 }, metrics: {} }],
  incrementality: [
    // A collinear pair's small member: its upper end is the pair's whole effect over its own spend, 60 ACV per dollar.
    { channel: 'social', spend_usd: 10, incremental_acv: 30, low: 0, high: 600, roi: 3, identified },
    { channel: 'search', spend_usd: 100, incremental_acv: 300, low: 0, high: 600, roi: 3, identified },
  ],
  survival: [],
  attribution: [],
  championAttribution: null,
});

describe('the gate does not call a widened interval absurd', () => {
  it('judges an identified channel\'s upper ROI, and names the unidentified ones it leaves out', () => {
    const judged = gateChecks(input(undefined)).find((c) => c.family === 'incrementality' && c.name === 'roi_plausible')!;
    expect(judged).toMatchObject({ passed: false, note: 'upper ROI above 50: social 60.0' });
    const widened = gateChecks(input(false)).find((c) => c.family === 'incrementality' && c.name === 'roi_plausible')!;
    expect(widened).toMatchObject({ passed: true, note: 'every upper ROI ≤ 50; not judged, not identified (interval widened on purpose): social, search' });
  });
});

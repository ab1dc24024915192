/**
 * Charts whose reading matters to the decision: the LTV histogram on a
 * linear axis of dollars (its long tail named in words, not hidden), and
 * ROI per channel against the break-even line.
 */
import { describe, expect, it } from 'vitest';
import { ltvChart, renderSvg, roiChart } from '../../report/charts';

/** Dollar tick labels of a rendered chart, in the order drawn: `$200,000` -> 200000. */
const dollarTicks = (svg: string) => [...svg.matchAll(/<text[^>]*>(-?\$[\d,]+)<\/text>/g)].map((m) => Number(m[1].replace(/[$,]/g, '')));

describe('ltvChart', () => {
  // 200 contracts from $5,000 to about $1M, spread like LTV (most small, a few very large): 10 of them past the 95th percentile.
  const ltv = Array.from({ length: 200 }, (_, i) => Math.round(5000 * Math.exp((i / 199) ** 2 * Math.log(200))));

  it('is a histogram on a linear axis of dollars, with evenly spaced dollar ticks', async () => {
    const spec = ltvChart(ltv)!;
    expect(JSON.stringify(spec)).not.toMatch(/log/i);
    const svg = await renderSvg(spec);
    const ticks = dollarTicks(svg);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    const steps = ticks.slice(1).map((t, i) => t - ticks[i]);
    for (const s of steps) expect(s).toBe(steps[0]);
    expect(ticks[0]).toBe(0);
  });

  it('ends the axis at the 95th percentile and says in its subtitle how many contracts lie beyond, and the largest', async () => {
    const sorted = [...ltv].sort((a, b) => a - b);
    const p95 = sorted[189];
    const spec = ltvChart(ltv)! as { title: { subtitle: string }; data: { values: { ltv: number }[] } };
    expect(spec.title.subtitle).toBe(`10 of 200 contracts lie beyond the axis's end at $${p95.toLocaleString('en-US')} (the 95th percentile); the largest is $${sorted[199].toLocaleString('en-US')}`);
    expect(spec.data.values).toHaveLength(190);
    expect(Math.max(...spec.data.values.map((v) => v.ltv))).toBe(p95);
    expect(await renderSvg(spec)).toContain('10 of 200 contracts lie beyond');
  });

  it('names no tail when there is none to name, and draws nothing without contracts', () => {
    expect((ltvChart([1000, 1000, 1000]) as { title: { subtitle: string } }).title.subtitle).toBe('All 3 contracts');
    expect(ltvChart([])).toBeNull();
  });
});

describe('roiChart', () => {
  it('draws each channel\'s ROI as a point on its interval, with the break-even line at 1 on the axis', async () => {
    const svg = await renderSvg(roiChart([
      { channel: 'a', roi: 0.5, low: 0.3, high: 0.7, standing: 'below break-even' },
      { channel: 'b', roi: 0.8, low: 0.4, high: 0.95, standing: 'below break-even' },
    ])!);
    // Both intervals end below 1, and the axis still reaches 1: break-even is on the chart.
    expect([...svg.matchAll(/<text[^>]*>([\d.]+)<\/text>/g)].map((m) => Number(m[1]))).toContain(1);
    expect(svg).toContain('below break-even');
    expect(roiChart([])).toBeNull();
  });
});

/**
 * The two media transforms of the media-mix model: geometric adstock (spend
 * keeps working for a few months, fading by a constant factor) and the Hill
 * saturation curve (each extra dollar buys less once a channel is saturated).
 */

/**
 * Geometric adstock: a_t = x_t + decay · a_{t−1}, started from the steady
 * state of a constant monthly spend `carry` before the series (a_{−1} =
 * carry / (1 − decay)), so the first months are not biased low.
 *
 * @example
 * geometricAdstock([100, 0, 0], 0.5);      // [100, 50, 25]
 * geometricAdstock([100, 0], 0.5, 100);    // [200, 100] (carry-in 200)
 */
export function geometricAdstock(spend: readonly number[], decay: number, carry = 0): number[] {
  if (!(decay >= 0 && decay < 1)) throw new RangeError(`adstock decay must be in [0, 1), got ${decay}`);
  const out = new Array<number>(spend.length);
  let a = carry / (1 - decay);
  for (let t = 0; t < spend.length; t++) {
    a = spend[t] + decay * a;
    out[t] = a;
  }
  return out;
}

/**
 * Hill saturation a^α / (a^α + k^α): 0 at no adstock, 1/2 at the
 * half-saturation point k, approaching 1; α > 1 gives an S shape.
 *
 * @example
 * hillSaturation(50, 50, 2);  // 0.5
 * hillSaturation(100, 50, 1); // 2/3
 */
export function hillSaturation(adstock: number, halfSaturation: number, shape: number): number {
  if (adstock <= 0) return 0;
  const r = Math.pow(adstock / halfSaturation, shape);
  return r / (1 + r);
}

/**
 * Steady-state adstock of a constant monthly spend: s / (1 − decay).
 *
 * @example
 * steadyAdstock(100, 0.75); // 400
 */
export function steadyAdstock(monthlySpend: number, decay: number): number {
  return monthlySpend / (1 - decay);
}

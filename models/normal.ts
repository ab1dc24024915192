/**
 * Standard normal quantiles z_p = Φ⁻¹(p), to 1e-15 (R's qnorm), named by the
 * probability p they are the quantile of. What each is used for varies: the
 * edge of a central 80% interval is z at 0.9, a two-sided 5% test is z at
 * 0.975, 80% power is z at 0.8.
 *
 * @example
 * [10 - Z_AT_0_90 * 2, 10 + Z_AT_0_90 * 2]; // the central 80% interval of N(10, 2²): [7.44, 12.56]
 */

/** Φ⁻¹(0.8): 80% power. */
export const Z_AT_0_80 = 0.8416212335729143;
/** Φ⁻¹(0.9): the edge of a central 80% interval. */
export const Z_AT_0_90 = 1.2815515655446004;
/** Φ⁻¹(0.95): the edge of a central 90% interval. */
export const Z_AT_0_95 = 1.6448536269514722;
/** Φ⁻¹(0.975): the edge of a central 95% interval, a two-sided test at α = 5%. */
export const Z_AT_0_975 = 1.959963984540054;

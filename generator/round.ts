/** Six significant digits: planted parameters and FX rates as they are written. */
export const r6 = (x: number) => Number(x.toPrecision(6));
/** Four decimals: planted probabilities in truth.json. */
export const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

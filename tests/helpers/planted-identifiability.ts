/**
 * A planted world for identifiability: one varied total split in fixed
 * shares between two channels, a varied channel, a flat one, with the
 * response curves written out here (independent of models/) and what each
 * channel's window spend truly caused.
 */
import { createRng } from '../../models/random';

export const months = Array.from({ length: 36 }, (_, i) => `${2023 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);

/** Hill(adstock) written out here (carry = mean of the first 3 months, as the model assumes); `zeroFrom` spends 0 in the window, the carry stays. */
function effect(spend: readonly number[], decay: number, k: number, beta: number, zero = false): number[] {
  let a = ((spend[0] + spend[1] + spend[2]) / 3) / (1 - decay);
  return spend.map((x) => {
    a = (zero ? 0 : x) + decay * a;
    return (beta * a) / (a + k);
  });
}

/**
 * The planted world: one varied total split in fixed shares between search
 * (40%, which causes demand) and social (60%, which causes none); webinar
 * varied on its own; print at a constant $80 every month, causing 10 a month.
 */
export function plantedWorld(seed: number) {
  const rng = createRng(seed);
  const total = months.map(() => 100 * Math.exp(rng.normal(0, 0.5)));
  const spend = {
    search: total.map((t) => 0.4 * t),
    social: total.map((t) => 0.6 * t),
    webinar: months.map(() => 50 * Math.exp(rng.normal(0, 0.5))),
    print: months.map(() => 80),
  };
  const planted = { search: { beta: 40, decay: 0.3 }, social: { beta: 0, decay: 0.3 }, webinar: { beta: 15, decay: 0.2 }, print: { beta: 10, decay: 0.3 } };
  const effects = Object.fromEntries(Object.entries(planted).map(([c, p]) => {
    const s = spend[c as keyof typeof spend];
    const k = (s.reduce((a, b) => a + b, 0) / s.length) / (1 - p.decay);
    return [c, { actual: effect(s, p.decay, k, p.beta), none: effect(s, p.decay, k, p.beta, true) }];
  }));
  const outcome = months.map((_, t) => 200 + 3 * Math.sin((2 * Math.PI * t) / 12) + Object.values(effects).reduce((s, e) => s + e.actual[t], 0) + rng.normal(0, 2));
  // What each channel's window spend caused: outcome with it minus outcome with that spend at zero (the model's definition).
  const truth = Object.fromEntries(Object.entries(effects).map(([c, e]) => [c, e.actual.reduce((s, v, t) => s + v - e.none[t], 0)]));
  return { input: { months, outcome, spend }, truth };
}


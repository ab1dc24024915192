import { describe, expect, it } from 'vitest';
import { touchWeights, type AttributionModel } from '../../models/attribution';

const TOL = 1e-9; // sums of a few products of exact binary fractions and 2^(-x)

describe('touchWeights', () => {
  const decay = [2 ** -2, 2 ** -1, 2 ** (-1 / 3), 1];
  const decaySum = decay.reduce((s, w) => s + w, 0);
  it.each([
    { model: 'first', ages: [60, 30, 10, 0], want: [1, 0, 0, 0] },
    { model: 'last', ages: [60, 30, 10, 0], want: [0, 0, 0, 1] },
    { model: 'linear', ages: [60, 30, 10, 0], want: [0.25, 0.25, 0.25, 0.25] },
    { model: 'position', ages: [60, 30, 10, 0], want: [0.4, 0.1, 0.1, 0.4] },
    { model: 'position', ages: [5, 1], want: [0.5, 0.5] },
    { model: 'position', ages: [5], want: [1] },
    { model: 'position', ages: [9, 5, 1], want: [0.4, 0.2, 0.4] },
    { model: 'time_decay', ages: [60, 30, 10, 0], want: decay.map((w) => w / decaySum) },
  ] as { model: AttributionModel; ages: number[]; want: number[] }[])('$model over $ages.length touches (half-life 30 d)', ({ model, ages, want }) => {
    const got = touchWeights(model, ages, 30);
    got.forEach((w, i) => expect(Math.abs(w - want[i])).toBeLessThan(TOL));
  });
});

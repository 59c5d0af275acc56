// The tune's choice among timed candidates (bench/lib/stats.mjs: fastestOf): the lowest
// minimum, unless another candidate's minimum is within `near` of it and its median is lower.
import { describe, expect, it } from 'vitest';
import { fastestOf } from '../bench/lib/stats.mjs';

const t = (minMs: number, medianMs: number) => ({ minMs, medianMs });

describe('fastestOf', () => {
  it('takes the lowest minimum when no other is within near', () => {
    expect(fastestOf([t(2, 2.1), t(1, 1.9), t(1.5, 1.6)], 0.05)).toBe(1);
  });

  it('breaks a tie of minimums by the median (the tune run that motivated it)', () => {
    // [65536, 64] normalize: V4 R4 0.60 (median 0.71) against V4 R2 0.61 (0.63).
    expect(fastestOf([t(0.60, 0.71), t(0.61, 0.63)], 0.05)).toBe(1);
    expect(fastestOf([t(0.61, 0.63), t(0.60, 0.71)], 0.05)).toBe(0);
  });

  it('counts a minimum exactly near above the best as a tie, and one past it not', () => {
    expect(fastestOf([t(1, 3), t(1.25, 2)], 0.25)).toBe(1);
    expect(fastestOf([t(1, 3), t(1.2500001, 2)], 0.25)).toBe(0);
  });

  it('with near 0 is the minimum alone, the first of equal ones on equal medians', () => {
    expect(fastestOf([t(0.61, 0.63), t(0.60, 0.71)], 0)).toBe(1);
    expect(fastestOf([t(1, 2), t(1, 2)], 0.05)).toBe(0);
  });

  it('never picks a candidate outside the tie, however low its median', () => {
    expect(fastestOf([t(1, 5), t(1.04, 4), t(1.06, 0.5)], 0.05)).toBe(1);
  });
});

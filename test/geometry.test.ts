// src/geometry.ts: how a shape maps onto the kernels' [N, C, S] view (docs/NUMERICS.md), for
// every axis and rank, against the rule written out: C is the axis' extent, N the product of
// the dimensions before it, S of those after it; the book's axis (none) reads [N, ...] as
// [N, rest, 1].
import { describe, expect, it } from 'vitest';
import { allowedRanks, geometryOf, rankDescription } from '../src/geometry.js';
import type { Axis } from '../src/types.js';
import { expectThrows } from './helpers/throws.js';

const product = (a: number[]) => a.reduce((p, d) => p * d, 1);

function expected(shape: number[], axis: Axis | undefined) {
  const count = product(shape);
  if (axis === undefined) return { N: shape[0], C: count / shape[0], S: 1, count };
  const at = axis === -1 ? shape.length - 1 : axis;
  return { N: product(shape.slice(0, at)), C: shape[at], S: product(shape.slice(at + 1)), count };
}

describe('geometryOf', () => {
  it('maps every rank the axis allows, with dimensions that tell N, C and S apart', () => {
    const shapes = [[2, 3], [2, 3, 5], [2, 3, 5, 7]];
    for (const shape of shapes) {
      for (const axis of [undefined, 1, -1, 2, 3] as const) {
        const rank = shape.length;
        if (!allowedRanks(axis).includes(rank)) continue;
        if (axis !== undefined && axis > 1 && axis !== rank - 1) continue;
        expect(geometryOf(shape, axis, 'x', 'f'), `shape ${shape}, axis ${axis}`).toEqual(expected(shape, axis));
      }
    }
    expect(geometryOf([4, 6], undefined, 'x', 'f')).toEqual({ N: 4, C: 6, S: 1, count: 24 });
    expect(geometryOf([2, 3, 5, 7], 1, 'x', 'f')).toEqual({ N: 2, C: 3, S: 35, count: 210 });
    expect(geometryOf([2, 3, 5, 7], 3, 'x', 'f')).toEqual({ N: 30, C: 7, S: 1, count: 210 });
    expect(geometryOf([2, 3, 5], 2, 'x', 'f')).toEqual({ N: 6, C: 5, S: 1, count: 30 });
  });

  it('an axis that is neither 1 nor the last of this shape is refused by name', () => {
    expectThrows(() => geometryOf([2, 3, 5, 7], 2, 'x', 'f'), RangeError, 'f: options.axis 2 is neither 1 nor the last axis of x.shape [2, 3, 5, 7]');
    expectThrows(() => geometryOf([2, 3], 3, 'dout', 'f'), RangeError, 'f: options.axis 3 is neither 1 nor the last axis of dout.shape [2, 3]');
  });
});

describe('the ranks each axis allows, and how a message says them', () => {
  it('the book: 2 or 4; an axis: 2 to 4', () => {
    expect(allowedRanks(undefined)).toEqual([2, 4]);
    for (const axis of [1, -1, 2, 3] as const) expect(allowedRanks(axis)).toEqual([2, 3, 4]);
    expect(rankDescription(undefined)).toBe('2 dimensions [N, D] or 4 [N, C, H, W]');
    expect(rankDescription(1)).toBe('2 to 4 dimensions ([N, C], [N, C, L] or [N, C, H, W]) for axis 1');
    expect(rankDescription(-1)).toBe('2 to 4 dimensions ([N, C], [N, L, C] or [N, H, W, C]) for channels-last axis');
    expect(rankDescription(3)).toBe(rankDescription(-1));
  });
});

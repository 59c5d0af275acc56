// src/overlap.ts against its documented rules: byte ranges [a, a + aBytes) share a byte
// exactly when each starts before the other ends, arrays overlap only within one buffer, and
// a shifted overlap is an overlap that does not start at the same byte (in place is safe).
import { describe, expect, it } from 'vitest';
import { overlaps, rangesOverlap, shiftedOverlap } from '../src/overlap.js';

// The rule written out byte by byte: some byte lies in both ranges.
function shareAByte(a: number, aBytes: number, b: number, bBytes: number): boolean {
  for (let i = a; i < a + aBytes; i++) if (i >= b && i < b + bBytes) return true;
  return false;
}

describe('rangesOverlap', () => {
  it('agrees with a byte-by-byte check on every placement of two short ranges, touching ends included', () => {
    for (let a = 0; a < 12; a++) {
      for (let b = 0; b < 12; b++) {
        for (const [aBytes, bBytes] of [[4, 4], [1, 8], [8, 1], [3, 5]]) {
          expect(rangesOverlap(a, aBytes, b, bBytes), `[${a}, +${aBytes}) and [${b}, +${bBytes})`).toBe(shareAByte(a, aBytes, b, bBytes));
        }
      }
    }
  });
});

describe('overlaps and shiftedOverlap', () => {
  const buffer = new ArrayBuffer(64);
  const at = (element: number, length: number) => new Float32Array(buffer, element * 4, length);

  it('arrays in different buffers never overlap, whatever their offsets', () => {
    const other = new Float32Array(new ArrayBuffer(64), 0, 4);
    expect(overlaps(at(0, 4), other)).toBe(false);
    expect(shiftedOverlap(at(1, 4), other)).toBe(false);
  });

  it('in one buffer: disjoint, adjacent, the same range, and ranges shifted by one element either way', () => {
    expect(overlaps(at(0, 4), at(4, 4))).toBe(false); // adjacent
    expect(shiftedOverlap(at(0, 4), at(4, 4))).toBe(false);
    expect(overlaps(at(0, 2), at(8, 2))).toBe(false);
    expect(shiftedOverlap(at(0, 2), at(8, 2))).toBe(false);
    const same = at(2, 4);
    expect(overlaps(same, same)).toBe(true);
    expect(shiftedOverlap(same, same)).toBe(false); // in place
    expect(shiftedOverlap(same, at(2, 4))).toBe(false); // another view of the same bytes
    expect(overlaps(at(0, 4), at(1, 4))).toBe(true);
    expect(shiftedOverlap(at(0, 4), at(1, 4))).toBe(true);
    expect(shiftedOverlap(at(1, 4), at(0, 4))).toBe(true);
  });
});

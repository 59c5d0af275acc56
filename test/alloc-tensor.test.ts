// allocTensor's refusals (src/tensors.ts), each naming the shape and what is wrong with it, and
// the tensor it makes: the shape frozen as given, one element per entry of the product.
import { beforeAll, describe, expect, it } from 'vitest';
import { allocTensor, init } from '../src/index.js';
import { expectThrows } from './helpers/throws.js';

beforeAll(async () => {
  await init();
});

describe('allocTensor', () => {
  it('makes a tensor of the product of the shape, its shape a frozen copy', () => {
    const shape = [2, 3, 4];
    const t = allocTensor(shape);
    expect(t.length).toBe(24);
    expect(t.data.length).toBe(24);
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.shape).not.toBe(shape);
    expect(Object.isFrozen(t.shape)).toBe(true);
    t.dispose();
  });

  it('refuses what is no shape of positive integers, by name', () => {
    expectThrows(() => allocTensor('2,3' as never), TypeError, 'allocTensor: shape must be an array of positive integers; got the string "2,3"');
    expectThrows(() => allocTensor([]), RangeError, 'allocTensor: shape must have at least one dimension; got []');
    expectThrows(() => allocTensor([2, 0]), RangeError, 'allocTensor: shape[1] must be a positive integer; got number 0 in [2, 0]');
    expectThrows(() => allocTensor([1.5]), RangeError, 'allocTensor: shape[0] must be a positive integer; got number 1.5 in [1.5]');
    expectThrows(() => allocTensor(['4'] as never), RangeError, 'allocTensor: shape[0] must be a positive integer; got the string "4" in [the string "4"]');
    expectThrows(() => allocTensor([2 ** 30 + 1]), RangeError, 'allocTensor: shape [1073741825] needs 4294967300 bytes; Wasm memory holds at most 4 GiB');
    // Exactly 4 GiB passes this check, and the memory then refuses it (it holds some already).
    expect(() => allocTensor([2 ** 30])).toThrow(/^allocTensor: out of Wasm memory: a block of \d+ bytes does not fit .* \(for shape \[1073741824\], 4294967296 bytes\)$/);
    expectThrows(() => allocTensor([65536, 65536]), RangeError, 'allocTensor: shape [65536, 65536] needs 17179869184 bytes; Wasm memory holds at most 4 GiB');
  });
});

// src/validate.ts, the checks every entry point shares, against the rules its comments state:
// how a value is described in a message (messages are API: each kind has its words), what
// counts as array-like, and that a Float32Array is kept while anything else is copied.
import { describe as suite, expect, it } from 'vitest';
import {
  arrayLength, checkBoolean, checkLength, describe, floatParam, formatShape, isArrayLike, readOnce, sameShape, show, toFloats,
} from '../src/validate.js';

suite('describe: how a message shows what came', () => {
  it('names each kind of value in its own words', () => {
    expect(describe(null)).toBe('null');
    expect(describe(undefined)).toBe('undefined');
    expect(describe(() => 1)).toBe('a function');
    expect(describe(12n)).toBe('the BigInt 12n');
    expect(describe(Symbol('s'))).toBe('the symbol Symbol(s)');
    expect(describe([1, 2, 3])).toBe('an Array of length 3');
    expect(describe(new Float64Array(5))).toBe('a Float64Array of length 5');
    expect(describe(new Uint8Array(0))).toBe('a Uint8Array of length 0');
    expect(describe({ a: 1 })).toBe('an object (Object)');
    expect(describe(new Map())).toBe('an object (Map)');
    expect(describe('x"y')).toBe('the string "x\\"y"');
    expect(describe(3.5)).toBe('number 3.5');
    expect(describe(NaN)).toBe('number NaN');
    expect(describe(true)).toBe('boolean true');
  });

  it('formatShape shows numbers as they are and anything else described', () => {
    expect(formatShape([])).toBe('[]');
    expect(formatShape([4, 3])).toBe('[4, 3]');
    expect(formatShape([2, '3', null])).toBe('[2, the string "3", null]');
  });
});

suite('show: an option value as a message quotes it', () => {
  it('numbers and booleans as they are, strings quoted', () => {
    expect(show(0.5)).toBe('0.5');
    expect(show(-Infinity)).toBe('-Infinity');
    expect(show(false)).toBe('false');
    expect(show('relu')).toBe('"relu"');
  });

  it('arrays of up to 8 such values element by element; longer ones, or ones holding other values, described', () => {
    expect(show([])).toBe('[]');
    expect(show([1, 'a', true])).toBe('[1,"a",true]');
    expect(show([1, 2, 3, 4, 5, 6, 7, 8])).toBe('[1,2,3,4,5,6,7,8]');
    expect(show([1, 2, 3, 4, 5, 6, 7, 8, 9])).toBe('an Array of length 9');
    expect(show([1, null])).toBe('an Array of length 2');
    expect(show([1, [2]])).toBe('an Array of length 2');
    expect(show({})).toBe('an object (Object)');
    expect(show(null)).toBe('null');
  });
});

suite('arrayLength and isArrayLike', () => {
  it('an object with a safe integer length >= 0 is array-like; anything else answers -1', () => {
    expect(arrayLength([])).toBe(0);
    expect(isArrayLike([])).toBe(true);
    expect(arrayLength(new Float32Array(3))).toBe(3);
    expect(arrayLength({ length: 2 })).toBe(2);
    expect(arrayLength({ length: 0 })).toBe(0);
    expect(isArrayLike({ length: 0 })).toBe(true);
    for (const value of [null, undefined, 'abc', 5, {}, { length: '2' }, { length: -1 }, { length: -5 }, { length: 1.5 }, { length: 2 ** 53 }, { length: NaN }]) {
      expect(arrayLength(value), describe(value)).toBe(-1);
      expect(isArrayLike(value), describe(value)).toBe(false);
    }
  });
});

suite('toFloat32 and floatParam', () => {
  it('reads each element once through the index map, and names the index that is not a number', () => {
    expect(Array.from(toFloats([5, 6, 7, 8], 2, 'x.data', 'f', 'float32', (i) => 2 * i + 1))).toEqual([6, 8]);
    expect(Array.from(toFloats([1, 2, 3], 3, 'x.data', 'f', 'float32'))).toEqual([1, 2, 3]);
    expect(() => toFloats([1, 'a'], 2, 'x.data', 'f', 'float32')).toThrow(new TypeError('f: x.data[1] must be a number; got the string "a"'));
    expect(() => toFloats([0, 0, 0, null], 1, 'x.data', 'f', 'float32', () => 3)).toThrow(new TypeError('f: x.data[3] must be a number; got null'));
  });

  it('keeps a Float32Array by reference, copies any other array-like, refuses the rest by name', () => {
    const f = new Float32Array([1, 2]);
    expect(floatParam(f, 'gamma', 'f')).toBe(f);
    const copied = floatParam([1, 2], 'gamma', 'f');
    expect(copied).toBeInstanceOf(Float32Array);
    expect(Array.from(copied)).toEqual([1, 2]);
    expect(floatParam([], 'gamma', 'f')).toEqual(new Float32Array(0));
    expect(Array.from(floatParam(new Float64Array([0.5]), 'gamma', 'f'))).toEqual([0.5]);
    expect(() => floatParam(3, 'gamma', 'f')).toThrow(new TypeError('f: gamma must be a Float32Array, a Float64Array or an array of numbers; got number 3'));
  });
});

suite('checkLength, checkBoolean, readOnce, sameShape', () => {
  it('checkLength names the array, the length wanted and why, and the length that came', () => {
    expect(() => checkLength(new Float32Array(2), 2, 'beta', 'f', 'the length of gamma')).not.toThrow();
    expect(() => checkLength(new Float32Array(3), 2, 'beta', 'f', 'the length of gamma'))
      .toThrow(new RangeError('f: beta.length must be 2 (the length of gamma); got 3'));
  });

  it('checkBoolean passes booleans and names anything else', () => {
    expect(checkBoolean(false, 'trainFlg', 'f')).toBe(false);
    expect(checkBoolean(true, 'trainFlg', 'f')).toBe(true);
    expect(() => checkBoolean(1, 'trainFlg', 'f')).toThrow(new TypeError('f: trainFlg must be a boolean; got number 1'));
  });

  it('readOnce reads each listed key once into an object of its own', () => {
    const reads: string[] = [];
    const source = { get a() { reads.push('a'); return 1; }, get b() { reads.push('b'); return 2; }, c: 3 };
    const copy = readOnce(source, ['a', 'b', 'd']);
    expect(copy).toEqual({ a: 1, b: 2, d: undefined });
    expect(reads).toEqual(['a', 'b']);
  });

  it('sameShape: the same length and the same entries', () => {
    expect(sameShape([4, 3], [4, 3])).toBe(true);
    expect(sameShape([], [])).toBe(true);
    expect(sameShape([4], [4, 3])).toBe(false);
    expect(sameShape([4, 3], [4])).toBe(false);
    expect(sameShape([4, 3], [4, 2])).toBe(false);
    expect(sameShape([1, 3], [4, 3])).toBe(false);
    expect(sameShape(['4', 3], [4, 3])).toBe(false);
  });
});

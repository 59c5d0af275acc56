// Argument checks shared by the layer's entry points. Each throws a TypeError (wrong kind
// of value) or RangeError (right kind, wrong value) naming the argument, what was
// expected and what came; none of them changes any state.

import type { DType, FloatArray, TensorLike } from './types.js';

export type { TensorLike };

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `the BigInt ${value}n`;
  if (typeof value === 'symbol') return `the symbol ${String(value)}`;
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<unknown>).length}`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

export function formatShape(shape: readonly unknown[]): string {
  return `[${shape.map((d) => (typeof d === 'number' ? String(d) : describe(d))).join(', ')}]`;
}

/**
 * A value as a message shows what came, for options that take a few words or numbers: a
 * number or boolean as it is (NaN and Infinity too), a string quoted, a short array of those
 * element by element, anything else as describe() puts it.
 */
export function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value) && value.length <= 8) {
    const parts: string[] = [];
    for (const v of value) {
      if (typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'string') return describe(value);
      parts.push(show(v));
    }
    return `[${parts.join(',')}]`;
  }
  return describe(value);
}

/** Whether a value is a safe integer (a number, then: what Number.isSafeInteger does not say to TypeScript). */
export function isInteger(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

/** An object's length when it is array-like (read once), else -1. */
export function arrayLength(value: unknown): number {
  if (value === null || typeof value !== 'object') return -1;
  const length = (value as { length?: unknown }).length;
  return isInteger(length) && length >= 0 ? length : -1;
}

export function isArrayLike(value: unknown): value is ArrayLike<number> {
  return arrayLength(value) >= 0;
}

/** What the layer takes as data (tensors' and parameters'), as messages name it. */
export const FLOAT_DATA = 'a Float32Array, a Float64Array or an array of numbers';

/**
 * A TypeError for a typed array whose elements are no float32 or float64 numbers (integer
 * arrays, Float16Array, BigInt64Array, DataView): nothing is read as integers, BigInts or
 * float16 bits. Plain arrays of numbers are checked element by element instead.
 */
export function refuseOtherTypedArray(value: unknown, name: string, who: string): void {
  if (ArrayBuffer.isView(value) && !(value instanceof Float32Array) && !(value instanceof Float64Array)) {
    throw new TypeError(`${who}: ${name} must be ${FLOAT_DATA}; got ${describe(value)}`);
  }
}

/** A new array of a dtype. */
export function newFloats(dtype: DType, length: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

/** Whether value is the typed array of a dtype (a Float64Array for 'float64'). */
export function isArrayOf(value: unknown, dtype: DType): value is FloatArray {
  return dtype === 'float64' ? value instanceof Float64Array : value instanceof Float32Array;
}

/** Bytes of one element of a dtype. */
export const elementBytes = (dtype: DType): 4 | 8 => (dtype === 'float64' ? 8 : 4);

/**
 * The elements of an array-like as a new array of the dtype: each read once, each a number
 * (or a TypeError naming its index). A Float32Array into float64 is widened exactly; a
 * Float64Array into float32 is rounded (a float32 layer's documented conversion).
 */
export function toFloats(data: ArrayLike<unknown>, length: number, name: string, who: string, dtype: DType,
  at: ((i: number) => number) | null = null): FloatArray {
  refuseOtherTypedArray(data, name, who);
  const out = newFloats(dtype, length);
  if (at === null && (data instanceof Float32Array || data instanceof Float64Array)) {
    out.set(data.length === length ? data : data.subarray(0, length)); // numbers all: no check needed
    return out;
  }
  for (let i = 0; i < length; i++) {
    const j = at === null ? i : at(i);
    const v = data[j];
    if (typeof v !== 'number') throw new TypeError(`${who}: ${name}[${j}] must be a number; got ${describe(v)}`);
    out[i] = v;
  }
  return out;
}

/** An array of the dtype (the caller's own, by reference), or any other array-like of numbers copied into a new one. */
export function floatParam(value: unknown, name: string, who: string, dtype: DType = 'float32'): FloatArray {
  if (isArrayOf(value, dtype)) return value;
  refuseOtherTypedArray(value, name, who);
  const length = arrayLength(value);
  if (length < 0) throw new TypeError(`${who}: ${name} must be ${FLOAT_DATA}; got ${describe(value)}`);
  return toFloats(value as ArrayLike<unknown>, length, name, who, dtype);
}

export function checkLength(array: ArrayLike<number>, expected: number, name: string, who: string, why: string): void {
  if (array.length !== expected) {
    throw new RangeError(`${who}: ${name}.length must be ${expected} (${why}); got ${array.length}`);
  }
}

export function checkBoolean(value: unknown, name: string, who: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${who}: ${name} must be a boolean; got ${describe(value)}`);
  return value;
}

/** The listed properties of a caller's object, each read once, in a plain object of their own. */
export function readOnce<K extends string>(value: object, keys: readonly K[]): { [P in K]?: unknown } {
  const out: { [P in K]?: unknown } = {};
  for (const key of keys) out[key] = (value as Record<K, unknown>)[key];
  return out;
}

/** Whether a shape (or an array a caller gave as one) has the same entries as another: a's length and entries read once each. */
export function sameShape(a: readonly unknown[], b: readonly number[]): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

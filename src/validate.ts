// Argument checks shared by the layer's entry points. Each throws a TypeError (wrong kind
// of value) or RangeError (right kind, wrong value) naming the argument, what was
// expected and what came; none of them changes any state.

import type { TensorLike } from './types.js';

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

/** The elements of an array-like as a Float32Array: each read once, each a number (or a TypeError naming its index). */
export function toFloat32(data: ArrayLike<unknown>, length: number, name: string, who: string, at: (i: number) => number = (i) => i): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const v = data[at(i)];
    if (typeof v !== 'number') throw new TypeError(`${who}: ${name}[${at(i)}] must be a number; got ${describe(v)}`);
    out[i] = v;
  }
  return out;
}

/** A Float32Array, or any array-like of numbers copied into a new one. */
export function float32Param(value: unknown, name: string, who: string): Float32Array {
  if (value instanceof Float32Array) return value;
  const length = arrayLength(value);
  if (length < 0) {
    throw new TypeError(`${who}: ${name} must be a Float32Array or an array-like of numbers; got ${describe(value)}`);
  }
  return toFloat32(value as ArrayLike<unknown>, length, name, who);
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

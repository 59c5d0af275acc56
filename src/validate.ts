// Argument checks shared by the layer's entry points. Each throws a TypeError (wrong kind
// of value) or RangeError (right kind, wrong value) naming the argument, what was
// expected and what came; none of them changes any state.

import type { TensorLike } from './types.js';

export type { TensorLike };

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<unknown>).length}`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

export function formatShape(shape: readonly unknown[]): string {
  return `[${shape.map((d) => (typeof d === 'number' ? String(d) : describe(d))).join(', ')}]`;
}

export function isArrayLike(value: unknown): value is ArrayLike<number> {
  if (value === null || typeof value !== 'object') return false;
  const length = (value as { length?: unknown }).length;
  return typeof length === 'number' && Number.isSafeInteger(length) && length >= 0;
}

/** A Float32Array, or any array-like of numbers copied into a new one. */
export function float32Param(value: unknown, name: string, who: string): Float32Array {
  if (value instanceof Float32Array) return value;
  if (!isArrayLike(value)) {
    throw new TypeError(`${who}: ${name} must be a Float32Array or an array-like of numbers; got ${describe(value)}`);
  }
  return Float32Array.from(value);
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

/**
 * Checks a tensor argument's form: data array-like, a shape of one of the allowed ranks
 * (described for the message) made of positive integers, and sizes that agree.
 */
export function checkTensor(tensor: unknown, name: string, who: string, ranks: readonly number[], rankText: string): TensorLike {
  if (tensor === null || typeof tensor !== 'object') {
    throw new TypeError(`${who}: ${name} must be an object { data, shape }; got ${describe(tensor)}`);
  }
  if ((tensor as { disposed?: unknown }).disposed === true) {
    throw new TypeError(`${who}: ${name} must be a live tensor; got a disposed Wasm tensor`);
  }
  const { data, shape } = tensor as { data?: unknown; shape?: unknown };
  if (!isArrayLike(data)) {
    throw new TypeError(`${who}: ${name}.data must be a Float32Array or an array-like of numbers; got ${describe(data)}`);
  }
  if (!Array.isArray(shape)) {
    throw new TypeError(`${who}: ${name}.shape must be an array [N, D] or [N, C, H, W]; got ${describe(shape)}`);
  }
  if (!ranks.includes(shape.length)) {
    throw new RangeError(`${who}: ${name}.shape must have ${rankText}; got ${formatShape(shape)}`);
  }
  let count = 1;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d <= 0) {
      throw new RangeError(`${who}: ${name}.shape[${i}] must be a positive integer; got ${describe(d)} in ${formatShape(shape)}`);
    }
    count *= d;
  }
  if (data.length !== count) {
    throw new RangeError(`${who}: ${name}.data.length must be the product of ${name}.shape ${formatShape(shape)} = ${count}; got ${data.length}`);
  }
  return tensor as TensorLike;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Checks an out tensor: a Float32Array to write into, of the shape the result has. */
export function checkOut(out: unknown, shape: readonly number[], of: string, who: string): void {
  if (typeof out !== 'object' || out === null) throw new TypeError(`${who}: out must be a tensor { data: Float32Array, shape } or null; got ${describe(out)}`);
  if ((out as { disposed?: unknown }).disposed === true) throw new TypeError(`${who}: out must be a live tensor; got a disposed Wasm tensor`);
  const { data, shape: outShape } = out as { data?: unknown; shape?: unknown };
  if (!(data instanceof Float32Array)) throw new TypeError(`${who}: out.data must be a Float32Array; got ${describe(data)}`);
  if (!Array.isArray(outShape) || !sameShape(outShape, shape)) {
    throw new RangeError(`${who}: out.shape must be ${of}'s shape ${formatShape(shape)}; got ${Array.isArray(outShape) ? formatShape(outShape) : describe(outShape)}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new RangeError(`${who}: out.data.length must be ${count}; got ${data.length}`);
}

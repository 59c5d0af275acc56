// What a layer asks of a backend: the three operations over an [N, C, S] view, with the
// layer's parameters passed in at every call so that in-place edits of gamma and beta
// take effect, as with the book's numpy arrays.
import type { BackendName } from './init.js';
import type { TensorLike } from './validate.js';

/** A row-major [N, C, S] view with statistics per C; count = N*C*S elements. */
export interface Geometry {
  readonly N: number;
  readonly C: number;
  readonly S: number;
  readonly count: number;
}

export interface LayerParams {
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  /** Updated in place by trainForward. */
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
  readonly momentum: number;
  readonly eps: number;
  /** Fused ReLU after the affine transform. */
  readonly relu: boolean;
  /** Feed the running variance with the unbiased batch variance (PyTorch). */
  readonly unbiased: boolean;
  /** Changes whenever gamma, beta or the running statistics may have: the key of cached inference scales. */
  readonly version: number;
}

/** Where an operation writes: a given tensor's data (a Wasm tensor's memory included), or a new array. */
export type Output = { readonly data: Float32Array } | null;

export interface Engine {
  readonly backend: BackendName;
  /** Batch statistics, running-stat update, the normalised x (into out when given); keeps x for backward. */
  trainForward(x: TensorLike, g: Geometry, p: LayerParams, out: Output): Float32Array;
  /** x normalised with the running statistics (into out when given; out may be x). */
  inferForward(x: TensorLike, g: Geometry, p: LayerParams, out: Output): Float32Array;
  /** dx for the last trainForward (whose geometry g is), into out when given; fills dgamma and dbeta. */
  backward(dy: TensorLike, g: Geometry, p: LayerParams, out: Output, dgamma: Float32Array, dbeta: Float32Array): Float32Array;
  /** The same three, awaiting the worker threads instead of blocking (Wasm with threads). */
  trainForwardAsync(x: TensorLike, g: Geometry, p: LayerParams, out: Output): Promise<Float32Array>;
  inferForwardAsync(x: TensorLike, g: Geometry, p: LayerParams, out: Output): Promise<Float32Array>;
  backwardAsync(dy: TensorLike, g: Geometry, p: LayerParams, out: Output, dgamma: Float32Array, dbeta: Float32Array): Promise<Float32Array>;
  /** Releases what the engine holds; no call may follow. */
  dispose(): void;
}

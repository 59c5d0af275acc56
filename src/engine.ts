// What a layer asks of a backend: the three operations over an [N, C, S] view, with the
// layer's parameters passed in at every call so that in-place edits of gamma and beta
// take effect, as with the book's numpy arrays.
import type { BackendName } from './init.js';

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

export interface Engine {
  readonly backend: BackendName;
  /** Batch statistics, running-stat update, returns the normalised x; keeps x for backward. */
  trainForward(x: ArrayLike<number>, g: Geometry, p: LayerParams): Float32Array;
  /** Returns x normalised with the running statistics. */
  inferForward(x: ArrayLike<number>, g: Geometry, p: LayerParams): Float32Array;
  /** Returns dx for the last trainForward (whose geometry g is); fills dgamma and dbeta. */
  backward(dy: ArrayLike<number>, g: Geometry, p: LayerParams, dgamma: Float32Array, dbeta: Float32Array): Float32Array;
  /** Releases what the engine holds; no call may follow. */
  dispose(): void;
}

// The book's non-BN layers (Affine, ReLU, SoftmaxWithLoss) on row-major Float32Array
// matrices, or Float64Array ones for a float64 network (`--dtype float64`): every result is of
// the type of the layer's weights or input. Private to the experiment: the library only ships
// BatchNormalization.
import type { FloatArray } from '../src/index.js';

/** A new zeroed array of a's type. */
export const zerosLike = (a: FloatArray, n: number): FloatArray => (a instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));

/**
 * out[N, M] = A · B, with B row-major [K, M] and A[i, k] = a[i * ai + k * ak] (strides, so
 * that Aᵀ needs no copy). i-k-j order, so that rows of B and out stream contiguously; each
 * pass takes two rows of out and four k, so one load of B feeds eight multiply-adds (about
 * 3.5x faster in V8 than one at a time). A block of A that is all zero (most MNIST pixels,
 * many ReLU outputs) is skipped, as if 0 · B were 0 even where B is not finite. out is of b's type.
 */
export function matmul(a: FloatArray, ai: number, ak: number, b: FloatArray, N: number, K: number, M: number): FloatArray {
  const out = zerosLike(b, N * M);
  const K4 = K - (K % 4);
  let i = 0;
  // Two rows of out per pass: each loaded row of B serves both.
  for (; i + 1 < N; i += 2) {
    const o = i * M;
    const q = o + M;
    for (let k = 0; k < K4; k += 4) {
      const p = i * ai + k * ak;
      const r = p + ai;
      const a0 = a[p], a1 = a[p + ak], a2 = a[p + 2 * ak], a3 = a[p + 3 * ak];
      const c0 = a[r], c1 = a[r + ak], c2 = a[r + 2 * ak], c3 = a[r + 3 * ak];
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0 && c0 === 0 && c1 === 0 && c2 === 0 && c3 === 0) continue;
      const b0 = k * M, b1 = b0 + M, b2 = b1 + M, b3 = b2 + M;
      for (let j = 0; j < M; j++) {
        const v0 = b[b0 + j], v1 = b[b1 + j], v2 = b[b2 + j], v3 = b[b3 + j];
        out[o + j] += a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
        out[q + j] += c0 * v0 + c1 * v1 + c2 * v2 + c3 * v3;
      }
    }
    for (let k = K4; k < K; k++) {
      const a0 = a[i * ai + k * ak], c0 = a[(i + 1) * ai + k * ak];
      const b0 = k * M;
      for (let j = 0; j < M; j++) {
        out[o + j] += a0 * b[b0 + j];
        out[q + j] += c0 * b[b0 + j];
      }
    }
  }
  for (; i < N; i++) {
    const o = i * M;
    for (let k = 0; k < K; k++) {
      const a0 = a[i * ai + k * ak];
      const b0 = k * M;
      for (let j = 0; j < M; j++) out[o + j] += a0 * b[b0 + j];
    }
  }
  return out;
}

export class Affine {
  readonly W: FloatArray;
  readonly b: FloatArray;
  readonly dW: FloatArray;
  readonly db: FloatArray;
  private x: FloatArray | null = null;
  private N = 0;

  /** needDx = false for the first layer: its input gradient is never used (saves a matmul). */
  constructor(readonly inSize: number, readonly outSize: number, W: FloatArray, readonly needDx = true) {
    if (W.length !== inSize * outSize) throw new RangeError(`Affine: W has ${W.length} entries; expected ${inSize * outSize}`);
    this.W = W;
    this.b = zerosLike(W, outSize);
    this.dW = zerosLike(W, W.length);
    this.db = zerosLike(W, outSize);
  }

  forward(x: FloatArray, N: number): FloatArray {
    this.x = x;
    this.N = N;
    const { inSize: K, outSize: M, b } = this;
    const out = matmul(x, K, 1, this.W, N, K, M);
    for (let i = 0; i < N; i++) for (let j = 0; j < M; j++) out[i * M + j] += b[j];
    return out;
  }

  /** Fills dW = xᵀ·dout and db = Σ dout; returns dx = dout·Wᵀ (or null when !needDx). */
  backward(dout: FloatArray): FloatArray | null {
    const x = this.x;
    if (!x) throw new Error('Affine.backward before forward');
    const { N, inSize: K, outSize: M, W } = this;
    this.db.fill(0);
    for (let i = 0; i < N; i++) for (let j = 0; j < M; j++) this.db[j] += dout[i * M + j];
    this.dW.set(matmul(x, 1, K, dout, K, N, M)); // xᵀ · dout
    if (!this.needDx) return null;
    // dout · Wᵀ, with Wᵀ copied so that the same row-streaming kernel applies.
    const Wt = zerosLike(W, M * K);
    for (let k = 0; k < K; k++) for (let j = 0; j < M; j++) Wt[j * K + k] = W[k * M + j];
    return matmul(dout, M, 1, Wt, N, M, K);
  }
}

export class Relu {
  private mask: Uint8Array | null = null;

  forward(x: FloatArray): FloatArray {
    const out = zerosLike(x, x.length);
    const mask = new Uint8Array(x.length);
    for (let i = 0; i < x.length; i++) {
      if (x[i] > 0) {
        out[i] = x[i];
        mask[i] = 1;
      }
    }
    this.mask = mask;
    return out;
  }

  backward(dout: FloatArray): FloatArray {
    const mask = this.mask;
    if (!mask) throw new Error('Relu.backward before forward');
    const dx = zerosLike(dout, dout.length);
    for (let i = 0; i < dout.length; i++) if (mask[i]) dx[i] = dout[i];
    return dx;
  }
}

/** Softmax then mean cross-entropy against integer labels, with the book's +1e-7 in the log. */
export class SoftmaxWithLoss {
  private y: FloatArray | null = null;
  private t: Uint8Array | null = null;
  private N = 0;

  /** Returns the loss, accumulated in float64. */
  forward(x: FloatArray, t: Uint8Array, N: number): number {
    const M = x.length / N;
    const y = zerosLike(x, x.length);
    let loss = 0;
    for (let i = 0; i < N; i++) {
      const o = i * M;
      let max = -Infinity;
      for (let j = 0; j < M; j++) if (x[o + j] > max) max = x[o + j];
      let sum = 0;
      for (let j = 0; j < M; j++) sum += (y[o + j] = Math.exp(x[o + j] - max));
      for (let j = 0; j < M; j++) y[o + j] /= sum;
      loss -= Math.log(y[o + t[i]] + 1e-7);
    }
    this.y = y;
    this.t = t;
    this.N = N;
    return loss / N;
  }

  /** d(mean loss)/dx = (softmax - onehot) / N. */
  backward(): FloatArray {
    const { y, t, N } = this;
    if (!y || !t) throw new Error('SoftmaxWithLoss.backward before forward');
    const M = y.length / N;
    const dx = y.slice();
    for (let i = 0; i < N; i++) dx[i * M + t[i]] -= 1;
    for (let i = 0; i < dx.length; i++) dx[i] /= N;
    return dx;
  }
}

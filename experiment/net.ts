// The book's MultiLayerNetExtend without dropout or weight decay: (Affine [-> BatchNorm]
// -> ReLU) x hidden, then Affine -> SoftmaxWithLoss. Every BatchNorm is the library's.
import { BatchNormalization, type BackendName, type DType, type FloatArray } from '../src/index.js';
import { Affine, Relu, SoftmaxWithLoss } from './layers.js';
import type { Rng } from './rng.js';

export interface NetConfig {
  inputSize: number;
  hiddenSizes: readonly number[];
  outputSize: number;
  /** Weights ~ N(0, 1) * weightInitStd; biases 0 (BN: gamma 1, beta 0). */
  weightInitStd: number;
  useBatchNorm: boolean;
  /** Passed to every BatchNormalization; default: the backend init() chose. */
  backend?: BackendName;
  /** The element type of every layer's arrays (default float32): BN's dtype, the weights' type. */
  dtype?: DType;
}

/** A trainable array and its gradient from the last gradient() call. */
export interface Param {
  name: string;
  value: FloatArray;
  grad(): FloatArray;
}

export class MultiLayerNet {
  readonly affines: Affine[] = [];
  readonly norms: (BatchNormalization<DType> | null)[] = [];
  private readonly relus: Relu[] = [];
  private readonly last = new SoftmaxWithLoss();

  constructor(readonly config: NetConfig, rng: Rng) {
    const sizes = [config.inputSize, ...config.hiddenSizes, config.outputSize];
    const dtype = config.dtype ?? 'float32';
    const Floats = dtype === 'float64' ? Float64Array : Float32Array;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const [K, M] = [sizes[l], sizes[l + 1]];
      const W = new Floats(K * M);
      for (let i = 0; i < W.length; i++) W[i] = rng.normal() * config.weightInitStd;
      this.affines.push(new Affine(K, M, W, l > 0));
      if (l + 2 < sizes.length) {
        // gamma and beta are kept by reference: sgdStep updates them in place.
        const bn = config.useBatchNorm
          ? new BatchNormalization<DType>(new Floats(M).fill(1), new Floats(M), 0.9, null, null, { backend: config.backend, dtype })
          : null;
        this.norms.push(bn);
        this.relus.push(new Relu());
      }
    }
  }

  /** Scores before the softmax; train selects batch (true) or running (false) BN statistics. */
  predict(x: FloatArray, N: number, train: boolean): FloatArray {
    let h = x;
    for (let l = 0; l < this.affines.length; l++) {
      h = this.affines[l].forward(h, N);
      if (l === this.relus.length) break;
      const bn = this.norms[l];
      if (bn) h = bn.forward({ data: h, shape: [N, this.affines[l].outSize] }, train).data;
      h = this.relus[l].forward(h);
    }
    return h;
  }

  loss(x: FloatArray, t: Uint8Array, N: number): number {
    return this.last.forward(this.predict(x, N, true), t, N);
  }

  /** Forward and backward on a batch; fills every Param's grad. Returns the loss. */
  gradient(x: FloatArray, t: Uint8Array, N: number): number {
    const loss = this.loss(x, t, N);
    let d: FloatArray | null = this.last.backward();
    for (let l = this.affines.length - 1; l >= 0 && d; l--) {
      if (l < this.relus.length) {
        d = this.relus[l].backward(d);
        const bn = this.norms[l];
        if (bn) d = bn.backward({ data: d, shape: [N, this.affines[l].outSize] }).data;
      }
      d = this.affines[l].backward(d);
    }
    return loss;
  }

  params(): Param[] {
    const out: Param[] = [];
    this.affines.forEach((a, l) => {
      out.push({ name: `W${l + 1}`, value: a.W, grad: () => a.dW });
      out.push({ name: `b${l + 1}`, value: a.b, grad: () => a.db });
      const bn = this.norms[l];
      if (bn) {
        out.push({ name: `gamma${l + 1}`, value: bn.gamma, grad: () => bn.dgamma! });
        out.push({ name: `beta${l + 1}`, value: bn.beta, grad: () => bn.dbeta! });
      }
    });
    return out;
  }

  /** Plain SGD, in place (the BN layers read the same gamma/beta arrays). */
  sgdStep(lr: number): void {
    for (const p of this.params()) {
      const v = p.value;
      const g = p.grad();
      for (let i = 0; i < v.length; i++) v[i] -= lr * g[i];
    }
  }

  /** Fraction of argmax(scores) == t, with inference-mode BN, as the book's accuracy(). */
  accuracy(x: FloatArray, t: Uint8Array, N: number): number {
    const y = this.predict(x, N, false);
    const M = this.config.outputSize;
    let hits = 0;
    for (let i = 0; i < N; i++) {
      let best = 0; // an all-NaN row counts as class 0, as with numpy's argmax
      for (let j = 1; j < M; j++) if (y[i * M + j] > y[i * M + best]) best = j;
      if (best === t[i]) hits++;
    }
    return hits / N;
  }

  dispose(): void {
    for (const bn of this.norms) bn?.dispose();
  }
}

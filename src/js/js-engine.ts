// The JS backend's per-layer state: typed arrays on the JS heap and the kernels (fast-kernels.ts).
// Its operations run whole when first stepped: they yield no row steps (no threads here),
// only a synchronized one's exchange with the other replicas. A training forward allocates
// all it needs (y, a larger saved copy) and takes its statistics from the caller's x before
// it writes any state: after that (and after the exchange, which can fail) nothing can fail,
// so the layer is never left half-updated.
import { ExchangeKind, HEADER, packExchange } from '../sync/collective.js';
import type { Engine, Geometry, Input, LayerParams, Step, StepRunner, Steps, Target } from '../types.js';
import { shiftedOverlap } from '../overlap.js';
import * as k from './fast-kernels.js';

function noStep(step: Step): never {
  throw new Error(`batchnorm-wasm: the JS backend runs no Wasm step; got ${step.op}`);
}

const NO_STEPS: StepRunner = { maxShares: 1, run: noStep, runAsync: noStep };

export class JsEngine implements Engine {
  readonly backend = 'js' as const;
  readonly runner = NO_STEPS;
  private saved = new Float32Array(0); // the last training input (capacity >= its size)
  private savedCount = 0; // its size; 0 before the first training forward
  private savedSynced = false; // its statistics were every replica's: its backward exchanges too
  private packed: Float64Array | undefined; // a synchronized layer's exchanges (reused: an allocation costs microseconds)
  // Saved by the training forward for backward (see trainFinalize).
  private readonly meanHi: Float32Array;
  private readonly meanLo: Float32Array;
  private readonly invstd: Float32Array;
  private readonly alpha: Float32Array;
  private readonly shift: Float32Array;
  // Scratch.
  private readonly scale: Float32Array;
  private readonly ka: Float32Array;
  private readonly kb: Float32Array;
  private readonly kc: Float32Array;
  private readonly acc1: Float64Array;
  private readonly acc2: Float64Array;
  private foldedVersion = -1; // params version that scale was folded from

  maxElements(): number {
    return Infinity;
  }

  constructor(C: number) {
    [this.meanHi, this.meanLo, this.invstd, this.alpha, this.shift, this.scale, this.ka, this.kb, this.kc] =
      Array.from({ length: 9 }, () => new Float32Array(C));
    this.acc1 = new Float64Array(C);
    this.acc2 = new Float64Array(C);
  }

  *trainForward(x: Input, g: Geometry, p: LayerParams, out: Target | null, sync: boolean): Steps {
    const y = out ? out.data : new Float32Array(g.count);
    const saved = this.saved.length < g.count ? new Float32Array(g.count) : this.saved;
    k.stats(x.data, g.N, g.C, g.S, this.acc1, this.acc2);
    const count = sync ? yield* this.exchange(ExchangeKind.Stats, g.C, g.N * g.S) : g.N * g.S;
    // Nothing below can fail: the state is written from here on.
    this.saved = saved; // the old input is not needed once this succeeds
    const xs = saved.subarray(0, g.count);
    xs.set(x.data); // a copy: backward must see this input even if the caller reuses its array
    this.savedCount = g.count;
    this.savedSynced = sync;
    k.trainFinalize(g.C, count, this.acc1, this.acc2, p.gamma, p.beta, p.runningMean, p.runningVar,
      p.momentum, p.eps, p.unbiased, this.meanHi, this.meanLo, this.invstd, this.alpha, this.shift);
    k.normalize(xs, y, g.N, g.C, g.S, this.meanHi, this.alpha, this.shift, p.activation);
    return y;
  }

  *inferForward(x: Input, g: Geometry, p: LayerParams, out: Target | null): Steps {
    if (this.foldedVersion !== p.version) {
      k.fold(g.C, p.gamma, p.runningVar, p.eps, this.scale);
      this.foldedVersion = p.version;
    }
    const y = out ? out.data : new Float32Array(g.count);
    const xs = out && shiftedOverlap(x.data, y) ? x.data.slice() : x.data; // y written over x shifted would read written values
    k.normalize(xs, y, g.N, g.C, g.S, p.runningMean, this.scale, p.beta, p.activation);
    return y;
  }

  *backward(dy: Input, g: Geometry, p: LayerParams, out: Target | null, dgamma: Float32Array, dbeta: Float32Array): Steps {
    if (this.savedCount !== g.count) throw new TypeError('BatchNormalization.backward: no training forward to differentiate; call forward(x, true) first');
    const xs = this.saved.subarray(0, g.count);
    const dx = out ? out.data : new Float32Array(g.count);
    const d = out && shiftedOverlap(dy.data, dx) ? dy.data.slice() : dy.data;
    k.backwardReduce(xs, d, g.N, g.C, g.S, this.meanHi, this.alpha, this.shift, this.acc1, this.acc2, p.activation);
    k.backwardFinalize(g.C, g.N * g.S, p.gamma, this.meanLo, this.invstd, this.acc1, this.acc2, dgamma, dbeta, this.ka, this.kb, this.kc);
    if (this.savedSynced) {
      // dgamma and dbeta stay this replica's; dx takes every replica's sums (wasm-engine.ts too).
      const M = yield* this.exchange(ExchangeKind.Sums, g.C, g.N * g.S);
      k.backwardFinalize(g.C, M, p.gamma, this.meanLo, this.invstd, this.acc1, this.acc2, new Float32Array(g.C), new Float32Array(g.C), this.ka, this.kb, this.kc);
    }
    k.backwardApply(xs, d, dx, g.N, g.C, g.S, this.meanHi, this.alpha, this.shift, this.ka, this.kb, this.kc, p.activation);
    return dx;
  }

  // acc1 and acc2 exchanged with the other replicas: they come back as the whole batch's.
  private *exchange(kind: ExchangeKind, C: number, count: number): Generator<{ op: 'exchange'; packed: Float64Array }, number, number> {
    const packed = this.packed = packExchange(kind, C, count, this.packed);
    packed.set(this.acc1, HEADER);
    packed.set(this.acc2, HEADER + C);
    const total = yield { op: 'exchange', packed };
    this.acc1.set(packed.subarray(HEADER, HEADER + C));
    this.acc2.set(packed.subarray(HEADER + C));
    return total;
  }

  dispose(): void {
    this.saved = new Float32Array(0);
    this.savedCount = 0;
  }
}

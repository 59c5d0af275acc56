// The JS backend's per-layer state: typed arrays on the JS heap and the reference kernels.
// Its operations run whole when first stepped: they yield no row steps (no threads here).
// As in the Wasm engine, state is committed last: a training forward computes into the
// spare one of two saved sets and into scratch running statistics, delivers y, and only
// then makes the set current and writes the running statistics into the layer's arrays.
import type { Engine, Geometry, Input, LayerParams, Operation, Step, StepRunner, Target } from '../types.js';
import * as k from './kernels.js';

function noStep(step: Step): never {
  throw new Error(`batchnorm-wasm: the JS backend runs no Wasm step; got ${step.op}`);
}

const NO_STEPS: StepRunner = { maxShares: 1, run: noStep, runAsync: noStep };

// What a training forward saves for backward: its copy of x and the per-channel statistics.
interface SavedSet {
  x: Float32Array; // capacity >= the input's size
  readonly meanHi: Float32Array;
  readonly meanLo: Float32Array;
  readonly invstd: Float32Array;
  readonly alpha: Float32Array;
  readonly shift: Float32Array;
}

function savedSet(C: number): SavedSet {
  const [meanHi, meanLo, invstd, alpha, shift] = Array.from({ length: 5 }, () => new Float32Array(C));
  return { x: new Float32Array(0), meanHi, meanLo, invstd, alpha, shift };
}

// Whether two arrays share memory without being the same elements: the kernels run in
// place (y = x) but not over a shifted overlap.
function shiftedOverlap(a: Float32Array, b: Float32Array): boolean {
  return a.buffer === b.buffer && a.byteOffset !== b.byteOffset
    && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

export class JsEngine implements Engine {
  readonly backend = 'js' as const;
  readonly runner = NO_STEPS;
  private readonly sets: readonly [SavedSet, SavedSet];
  private saved: SavedSet | null = null; // what backward differentiates
  private savedCount = 0;
  // Scratch.
  private readonly runMean: Float32Array;
  private readonly runVar: Float32Array;
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
    this.sets = [savedSet(C), savedSet(C)];
    [this.runMean, this.runVar, this.scale, this.ka, this.kb, this.kc] = Array.from({ length: 6 }, () => new Float32Array(C));
    this.acc1 = new Float64Array(C);
    this.acc2 = new Float64Array(C);
  }

  *trainForward(x: Input, g: Geometry, p: LayerParams, out: Target | null): Operation {
    const set = this.sets[this.saved === this.sets[0] ? 1 : 0]; // the spare set
    if (set.x.length < g.count) set.x = new Float32Array(g.count);
    const xs = set.x.subarray(0, g.count);
    xs.set(x.data); // a copy: backward must see this input even if the caller reuses its array
    k.stats(xs, g.N, g.C, g.S, this.acc1, this.acc2);
    this.runMean.set(p.runningMean);
    this.runVar.set(p.runningVar);
    k.trainFinalize(g.C, g.N * g.S, this.acc1, this.acc2, p.gamma, p.beta, this.runMean, this.runVar,
      p.momentum, p.eps, p.unbiased, set.meanHi, set.meanLo, set.invstd, set.alpha, set.shift);
    const y = out ? out.data : new Float32Array(g.count);
    k.normalize(xs, y, g.N, g.C, g.S, set.meanHi, set.alpha, set.shift, p.activation);
    // Commit: nothing below can throw.
    p.runningMean.set(this.runMean);
    p.runningVar.set(this.runVar);
    this.saved = set;
    this.savedCount = g.count;
    return y;
  }

  *inferForward(x: Input, g: Geometry, p: LayerParams, out: Target | null): Operation {
    if (this.foldedVersion !== p.version) {
      k.fold(g.C, p.gamma, p.runningVar, p.eps, this.scale);
      this.foldedVersion = p.version;
    }
    const y = out ? out.data : new Float32Array(g.count);
    const xs = out && shiftedOverlap(x.data, y) ? x.data.slice() : x.data; // y written over x shifted would read written values
    k.normalize(xs, y, g.N, g.C, g.S, p.runningMean, this.scale, p.beta, p.activation);
    return y;
  }

  *backward(dy: Input, g: Geometry, p: LayerParams, out: Target | null, dgamma: Float32Array, dbeta: Float32Array): Operation {
    const set = this.saved;
    if (!set || this.savedCount !== g.count) throw new TypeError('BatchNormalization.backward: no training forward to differentiate; call forward(x, true) first');
    const xs = set.x.subarray(0, g.count);
    const dx = out ? out.data : new Float32Array(g.count);
    const d = out && shiftedOverlap(dy.data, dx) ? dy.data.slice() : dy.data;
    k.backwardReduce(xs, d, g.N, g.C, g.S, set.meanHi, set.alpha, set.shift, this.acc1, this.acc2, p.activation);
    k.backwardFinalize(g.C, g.N * g.S, p.gamma, set.meanLo, set.invstd, this.acc1, this.acc2, dgamma, dbeta, this.ka, this.kb, this.kc);
    k.backwardApply(xs, d, dx, g.N, g.C, g.S, set.meanHi, set.alpha, set.shift, this.ka, this.kb, this.kc, p.activation);
    return dx;
  }

  dispose(): void {
    for (const set of this.sets) set.x = new Float32Array(0);
    this.saved = null;
  }
}

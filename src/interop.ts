// Conversions between a layer and plain data: its JSON-serialisable state (state() /
// fromState()) and PyTorch's BatchNorm{1,2,3}d state_dict conventions (its momentum weighs
// the new value, None is the cumulative average driven by num_batches_tracked, and a
// track_running_stats=False module has no running statistics nor counter); Keras' are in
// interop-keras.ts. Kept apart from the layer so that the layer file holds only the layer's
// own behaviour; these read a layer through its public getters.
import type { Activation } from './activation.js';
import { checkDtype, checkMomentum, checkNumber, isCount } from './options.js';
import type { Axis, DType, FloatArray } from './types.js';
import { arrayLength, describe, floatParam, isArrayLike, newFloats, readOnce } from './validate.js';

/** What the conversions read of a layer. */
export interface LayerView {
  readonly dtype: DType;
  readonly gamma: FloatArray;
  readonly beta: FloatArray;
  readonly runningMean: FloatArray | null;
  readonly runningVar: FloatArray | null;
  readonly momentum: number | null;
  readonly eps: number;
  readonly axis: Axis | null;
  readonly activation: Activation | null;
  readonly runningVarUnbiased: boolean;
  readonly trackRunningStats: boolean;
  readonly numBatchesTracked: number | null;
}

/**
 * The JSON-serialisable state of a layer, from `state()`, for `BatchNormalization.fromState`.
 * `fromState` also reads the two formats before it: `batchnorm-wasm/state@2` (no `dtype`: a
 * float32 layer) and `batchnorm-wasm/state@1` (no `dtype`, `trackRunningStats` and
 * `numBatchesTracked`: a float32 layer with running statistics, counted from 0). A float64
 * layer's numbers go through JSON exactly (JSON numbers are float64).
 *
 * @example
 * ```ts
 * const saved: BatchNormState = JSON.parse(JSON.stringify(bn.state()));
 * const again = BatchNormalization.fromState(saved);
 * ```
 */
export interface BatchNormState<D extends DType = DType> {
  /**
   * The format's name and version: a state of another format is refused.
   * @example 'batchnorm-wasm/state@3'
   */
  format: 'batchnorm-wasm/state@3';
  /** The layer's element type. @example 'float32' */
  dtype: D;
  /** @example [1, 1] */
  gamma: number[];
  /** @example [0, 0] */
  beta: number[];
  /** null until the first training forward, and always null without running statistics. @example [0.25, 2.5] */
  runningMean: number[] | null;
  /** Like runningMean. @example [0.125, 12.5] */
  runningVar: number[] | null;
  /** The weight of the old value; null for the cumulative average. @example 0.9 */
  momentum: number | null;
  /** @example 1e-6 */
  eps: number;
  /** @example null // the book's statistics; 1 or -1 per channel */
  axis: Axis | null;
  /** @example 'relu' */
  activation: Activation | null;
  /** @example false */
  runningVarUnbiased: boolean;
  /** @example true */
  trackRunningStats: boolean;
  /** The training forwards counted so far; null without running statistics. @example 3 */
  numBatchesTracked: number | null;
}

/** The format state() writes. */
const STATE_FORMAT: BatchNormState['format'] = 'batchnorm-wasm/state@3';
// The second format: no dtype (float32). Still read. A reader of @2 would silently make a
// float64 layer float32, hence the new name.
const STATE_FORMAT_2 = 'batchnorm-wasm/state@2';
// The first format: no trackRunningStats and numBatchesTracked either. Still read. A reader of
// @1 would silently give a layer without running statistics some, hence @2.
const STATE_FORMAT_1 = 'batchnorm-wasm/state@1';
const STATE_FIELDS = ['format', 'dtype', 'gamma', 'beta', 'runningMean', 'runningVar', 'momentum', 'eps', 'axis', 'activation', 'runningVarUnbiased',
  'trackRunningStats', 'numBatchesTracked'] as const satisfies ReadonlyArray<keyof BatchNormState>;

/** Checks a state object's form (either format) and gives it in the current one; the constructor checks the values. */
export function checkState(state: unknown, who: string): BatchNormState {
  if (state === null || typeof state !== 'object') throw new TypeError(`${who}: state must be an object from state(); got ${describe(state)}`);
  const s = readOnce(state, STATE_FIELDS) as BatchNormState; // each field read once: fromState uses this copy
  const format = s.format as string;
  if (format !== STATE_FORMAT && format !== STATE_FORMAT_2 && format !== STATE_FORMAT_1) {
    throw new TypeError(`${who}: state.format must be ${JSON.stringify(STATE_FORMAT)} (or the older ${JSON.stringify(STATE_FORMAT_2)} or ${JSON.stringify(STATE_FORMAT_1)}); got ${describe(s.format)}`);
  }
  // The older formats had float32 layers only. In this one the dtype must be there: a missing
  // one is no default (null is named in the message).
  const dtype = format === STATE_FORMAT ? checkDtype(s.dtype ?? null, who, 'state.dtype') : 'float32';
  for (const key of ['gamma', 'beta'] as const) {
    if (!isArrayLike(s[key])) throw new TypeError(`${who}: state.${key} must be an array of numbers; got ${describe(s[key])}`);
  }
  if (format === STATE_FORMAT_1) return { ...s, format: STATE_FORMAT, dtype, trackRunningStats: true, numBatchesTracked: 0 };
  return { ...s, format: STATE_FORMAT, dtype };
}

/** A layer's plain JSON-serialisable snapshot. */
export function stateOf(layer: LayerView): BatchNormState {
  const plain = (a: FloatArray | null) => (a ? Array.from(a) : null);
  return {
    format: STATE_FORMAT,
    dtype: layer.dtype,
    gamma: Array.from(layer.gamma),
    beta: Array.from(layer.beta),
    runningMean: plain(layer.runningMean),
    runningVar: plain(layer.runningVar),
    momentum: layer.momentum,
    eps: layer.eps,
    axis: layer.axis,
    activation: layer.activation,
    runningVarUnbiased: layer.runningVarUnbiased,
    trackRunningStats: layer.trackRunningStats,
    numBatchesTracked: layer.numBatchesTracked,
  };
}

/**
 * The fields of a `torch.nn.BatchNorm1d/2d/3d` state_dict (as arrays of numbers), plus the
 * module's `momentum` and `eps`, for `BatchNormalization.fromPyTorch`.
 *
 * @example
 * ```ts
 * // sd = {k: v.tolist() for k, v in bn.state_dict().items()} | {'momentum': bn.momentum, 'eps': bn.eps}
 * const sd: PyTorchBatchNorm = { weight: [1, 2], bias: [0, 0.5], running_mean: [0, 1], running_var: [1, 4], num_batches_tracked: 10 };
 * ```
 */
export interface PyTorchBatchNorm {
  /** gamma; absent (affine=False): ones. @example [1, 2] */
  weight?: ArrayLike<number> | null;
  /** beta; absent (affine=False): zeros. @example [0, 0.5] */
  bias?: ArrayLike<number> | null;
  /** Absent together with running_var: a track_running_stats=False module. @example [0, 1] */
  running_mean?: ArrayLike<number> | null;
  /** @example [1, 4] */
  running_var?: ArrayLike<number> | null;
  /**
   * PyTorch's 0-dim int64 tensor as a number (`t.item()`), a BigInt, or a one-element array
   * (`t.reshape(1).tolist()`, a BigInt64Array). Absent: 0, as PyTorch loads an old state_dict.
   * @example 10
   */
  num_batches_tracked?: number | bigint | ArrayLike<number | bigint> | null;
  /** The weight of the new value (default 0.1); null: the cumulative average. @example 0.1 */
  momentum?: number | null;
  /** Default 1e-5, PyTorch's. @example 1e-5 */
  eps?: number;
}

/**
 * What `toPyTorch()` returns: the state_dict's fields (arrays of their own) and the module's
 * momentum and eps. In Python: `torch.tensor(v)` for each array and
 * `torch.tensor(n, dtype=torch.long)` for num_batches_tracked (a 0-dim int64 tensor there).
 *
 * @example
 * ```ts
 * const { momentum, eps, ...fields } = bn.toPyTorch();
 * console.log(fields.num_batches_tracked, Array.from(fields.running_var ?? []));
 * ```
 */
export interface PyTorchExport<A extends FloatArray = Float32Array> {
  /** Of the layer's dtype (a Float64Array from a float64 layer). @example new Float32Array([1, 2]) */
  weight: A;
  /** @example new Float32Array([0, 0.5]) */
  bias: A;
  /** Absent for a layer without running statistics, as in PyTorch's state_dict. @example new Float32Array([0, 1]) */
  running_mean?: A;
  /** Absent like running_mean. @example new Float32Array([1, 4]) */
  running_var?: A;
  /** The training forwards counted; absent like running_mean. @example 10 */
  num_batches_tracked?: number;
  /** The weight of the new value; null: the cumulative average. @example 0.1 */
  momentum: number | null;
  /** @example 1e-5 */
  eps: number;
}

/**
 * 1 - m for a momentum, rounded to 15 significant digits so that PyTorch's 0.1 maps to 0.9
 * and back to 0.1 (plain 1 - 0.9 is 0.09999999999999998 in binary floating point).
 */
function complementMomentum(m: number): number {
  return Number((1 - m).toPrecision(15));
}

const PYTORCH_FIELDS = ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked', 'momentum', 'eps'] as const satisfies ReadonlyArray<keyof PyTorchBatchNorm>;

/** The constructor's arguments and the options a state_dict implies. */
export interface PyTorchArgs {
  gamma: FloatArray;
  beta: FloatArray;
  runningMean: FloatArray | null;
  runningVar: FloatArray | null;
  momentum: number | null;
  eps: number;
  trackRunningStats: boolean;
  numBatchesTracked: number | undefined;
}

// num_batches_tracked as a number: an integer >= 0, as a number, a BigInt or one element.
function counter(value: unknown, who: string): number {
  const v = arrayLength(value) === 1 ? (value as ArrayLike<unknown>)[0] : value;
  return checkNumber(typeof v === 'bigint' ? Number(v) : v, 'num_batches_tracked', who, isCount, 'an integer >= 0 (a number, a BigInt or a one-element array)');
}

/** Checks a PyTorch-style object and maps it to the constructor's arguments, as arrays of dtype. */
export function fromPyTorchArgs(sd: unknown, who: string, dtype: DType): PyTorchArgs {
  if (sd === null || typeof sd !== 'object') {
    throw new TypeError(`${who}: the argument must be an object { weight, bias, running_mean, running_var, num_batches_tracked?, momentum?, eps? }; got ${describe(sd)}`);
  }
  const s = readOnce(sd, PYTORCH_FIELDS) as PyTorchBatchNorm; // each field read once
  const m = s.momentum === undefined ? 0.1 : checkMomentum(s.momentum, who);
  const pick = (v: unknown, name: string) => (v == null ? null : floatParam(v, name, who, dtype));
  const fields = { weight: pick(s.weight, 'weight'), bias: pick(s.bias, 'bias'), running_mean: pick(s.running_mean, 'running_mean'), running_var: pick(s.running_var, 'running_var') };
  // Lengths checked here, so that a message names PyTorch's field, not the constructor's argument.
  const given = Object.entries(fields).filter(([, v]) => v !== null) as Array<[string, FloatArray]>;
  if (given.length === 0) throw new TypeError(`${who}: at least one of weight, bias, running_mean, running_var must be an array; got none`);
  const [first, firstArray] = given[0];
  const C = firstArray.length;
  for (const [name, array] of given) { // the first agrees with itself
    if (array.length !== C) throw new RangeError(`${who}: ${name}.length must be ${C} (the length of ${first}); got ${array.length}`);
  }
  const { running_mean: runningMean, running_var: runningVar } = fields;
  if ((runningMean === null) !== (runningVar === null)) {
    throw new TypeError(`${who}: running_mean and running_var must be given together (or neither); got ${runningMean ? 'running_mean' : 'running_var'} only`);
  }
  const track = runningMean !== null;
  const n = s.num_batches_tracked;
  if (!track && n != null) throw new TypeError(`${who}: num_batches_tracked needs running_mean and running_var; got num_batches_tracked only`);
  // affine=False modules have no weight and bias: they act as gamma = 1, beta = 0.
  return {
    gamma: fields.weight ?? newFloats(dtype, C).fill(1),
    beta: fields.bias ?? newFloats(dtype, C),
    runningMean,
    runningVar,
    momentum: m === null ? null : complementMomentum(m),
    eps: s.eps ?? 1e-5,
    trackRunningStats: track,
    numBatchesTracked: track ? (n == null ? 0 : counter(n, who)) : undefined,
  };
}

/** PyTorch's state_dict fields of a layer (copies, in the state_dict's order), its momentum convention (1 - ours) and eps. */
export function toPyTorchFields(layer: LayerView): PyTorchExport<FloatArray> {
  const copy = (a: FloatArray | null) => (a ? a.slice() : newFloats(layer.dtype, layer.gamma.length));
  const { momentum } = layer;
  return {
    weight: copy(layer.gamma),
    bias: copy(layer.beta),
    ...(layer.trackRunningStats && {
      running_mean: copy(layer.runningMean), running_var: copy(layer.runningVar), num_batches_tracked: layer.numBatchesTracked ?? 0,
    }),
    momentum: momentum === null ? null : complementMomentum(momentum),
    eps: layer.eps,
  };
}

// Conversions between a layer and plain data: PyTorch's state_dict conventions and a
// JSON-serialisable state. Kept apart from the layer so that the layer file holds only the
// layer's own behaviour; these read a layer through its public getters.
import type { Activation } from './activation.js';
import type { Axis } from './types.js';
import { describe, float32Param, isArrayLike } from './validate.js';

/** What the conversions read of a layer. */
export interface LayerView {
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly runningMean: Float32Array | null;
  readonly runningVar: Float32Array | null;
  readonly momentum: number;
  readonly eps: number;
  readonly axis: Axis | null;
  readonly activation: Activation | null;
  readonly runningVarUnbiased: boolean;
}

/** The fields of torch.nn.BatchNorm{1,2,3}d's state_dict plus its momentum and eps. */
export interface PyTorchBatchNorm {
  weight?: ArrayLike<number> | null;
  bias?: ArrayLike<number> | null;
  running_mean?: ArrayLike<number> | null;
  running_var?: ArrayLike<number> | null;
  /** PyTorch's weight of the new value (default 0.1); null (cumulative average) is not supported. */
  momentum?: number | null;
  /** Default 1e-5, PyTorch's. */
  eps?: number;
}

/** What toPyTorch() returns: arrays of its own, ready for a state_dict. */
export interface PyTorchExport {
  weight: Float32Array;
  bias: Float32Array;
  running_mean: Float32Array;
  running_var: Float32Array;
  momentum: number;
  eps: number;
}

/** The JSON-serialisable state of a layer (state() / fromState()). */
export interface BatchNormState {
  format: typeof STATE_FORMAT;
  gamma: number[];
  beta: number[];
  runningMean: number[] | null;
  runningVar: number[] | null;
  momentum: number;
  eps: number;
  axis: Axis | null;
  activation: Activation | null;
  runningVarUnbiased: boolean;
}

export const STATE_FORMAT = 'batchnorm-wasm/state@1';

/**
 * 1 - m for a momentum, rounded to 15 significant digits so that PyTorch's 0.1 maps to 0.9
 * and back to 0.1 (plain 1 - 0.9 is 0.09999999999999998 in binary floating point).
 */
export function complementMomentum(m: number): number {
  return Number((1 - m).toPrecision(15));
}

export interface PyTorchArgs {
  gamma: Float32Array;
  beta: Float32Array;
  runningMean: Float32Array | null;
  runningVar: Float32Array | null;
  momentum: number;
  eps: number;
}

/** Checks a PyTorch-style object and maps it to the constructor's arguments. */
export function fromPyTorchArgs(sd: unknown, who: string): PyTorchArgs {
  if (sd === null || typeof sd !== 'object') {
    throw new TypeError(`${who}: the argument must be an object { weight, bias, running_mean, running_var, momentum?, eps? }; got ${describe(sd)}`);
  }
  const s = sd as PyTorchBatchNorm;
  const momentum = s.momentum === undefined ? 0.1 : s.momentum;
  if (momentum === null) {
    throw new RangeError(`${who}: momentum null (PyTorch's cumulative moving average) is not supported; expected a number in [0, 1]; got null`);
  }
  if (typeof momentum !== 'number') throw new TypeError(`${who}: momentum must be a number in [0, 1] or null; got ${describe(momentum)}`);
  if (!(momentum >= 0 && momentum <= 1)) throw new RangeError(`${who}: momentum must be a finite number in [0, 1]; got ${describe(momentum)}`);
  const pick = (v: unknown, name: string) => (v == null ? null : float32Param(v, name, who));
  const fields = { weight: pick(s.weight, 'weight'), bias: pick(s.bias, 'bias'), running_mean: pick(s.running_mean, 'running_mean'), running_var: pick(s.running_var, 'running_var') };
  // Lengths checked here, so that a message names PyTorch's field, not the constructor's argument.
  const given = Object.entries(fields).filter(([, v]) => v !== null) as Array<[string, Float32Array]>;
  if (given.length === 0) throw new TypeError(`${who}: at least one of weight, bias, running_mean, running_var must be an array; got none`);
  const [first, firstArray] = given[0];
  const C = firstArray.length;
  for (const [name, array] of given.slice(1)) {
    if (array.length !== C) throw new RangeError(`${who}: ${name}.length must be ${C} (the length of ${first}); got ${array.length}`);
  }
  const { running_mean: runningMean, running_var: runningVar } = fields;
  let { weight: gamma, bias: beta } = fields;
  // affine=False modules have no weight and bias: they act as gamma = 1, beta = 0.
  gamma ??= new Float32Array(C).fill(1);
  beta ??= new Float32Array(C);
  return { gamma, beta, runningMean, runningVar, momentum: complementMomentum(momentum), eps: s.eps ?? 1e-5 };
}

/** Checks a state object's form; the constructor checks the values. */
export function checkState(state: unknown, who: string): BatchNormState {
  if (state === null || typeof state !== 'object') throw new TypeError(`${who}: state must be an object from state(); got ${describe(state)}`);
  const s = state as BatchNormState;
  if (s.format !== STATE_FORMAT) {
    throw new TypeError(`${who}: state.format must be ${JSON.stringify(STATE_FORMAT)}; got ${describe(s.format)}`);
  }
  for (const key of ['gamma', 'beta'] as const) {
    if (!isArrayLike(s[key])) throw new TypeError(`${who}: state.${key} must be an array of numbers; got ${describe(s[key])}`);
  }
  return s;
}

/** PyTorch's state_dict fields of a layer (copies) with its momentum convention (1 - ours). */
export function toPyTorchFields(layer: LayerView): PyTorchExport {
  const C = layer.gamma.length;
  return {
    weight: Float32Array.from(layer.gamma),
    bias: Float32Array.from(layer.beta),
    running_mean: layer.runningMean ? Float32Array.from(layer.runningMean) : new Float32Array(C),
    running_var: layer.runningVar ? Float32Array.from(layer.runningVar) : new Float32Array(C),
    momentum: complementMomentum(layer.momentum),
    eps: layer.eps,
  };
}

/** A layer's plain JSON-serialisable snapshot. */
export function stateOf(layer: LayerView): BatchNormState {
  const plain = (a: Float32Array | null) => (a ? Array.from(a) : null);
  return {
    format: STATE_FORMAT,
    gamma: Array.from(layer.gamma),
    beta: Array.from(layer.beta),
    runningMean: plain(layer.runningMean),
    runningVar: plain(layer.runningVar),
    momentum: layer.momentum,
    eps: layer.eps,
    axis: layer.axis,
    activation: layer.activation,
    runningVarUnbiased: layer.runningVarUnbiased,
  };
}

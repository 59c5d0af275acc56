// The layer's options and hyper-parameters: each checked here, with the message naming the
// option, what it accepts and what came (validate.ts holds the checks of tensors and arrays).
import { ACTIVATIONS, type Activation } from './activation.js';
import type { Axis, BackendName } from './types.js';
import { checkBoolean, describe } from './validate.js';

export interface BatchNormalizationOptions {
  /** Added to the variance inside the square root. Default 1e-6 (the book's 10e-7). */
  eps?: number;
  /** Default: the backend init() chose. */
  backend?: BackendName;
  /**
   * The axis whose entries keep their own statistics (Keras' convention). Default: the
   * book's, every axis but 0 ([N, C, H, W] read as [N, C*H*W]). 1: per channel, channels
   * first (PyTorch, ONNX). -1 or the last index: per channel, channels last ([N, H, W, C]).
   */
  axis?: Axis | null;
  /** A fused activation after the affine transform (forward and backward): 'relu', or 'relu6' (min(max(y, 0), 6)). */
  activation?: Activation | null;
  /** Feed the running variance with the unbiased batch variance, as PyTorch does. Default false. */
  runningVarUnbiased?: boolean;
}

/** The options as the layer keeps them. */
export interface LayerOptions {
  eps: number;
  backend: BackendName | undefined;
  axis: Axis | undefined;
  activation: Activation | null;
  unbiased: boolean;
}

export const DEFAULT_EPS = 1e-6;

export function checkMomentum(momentum: unknown, who: string): number {
  if (typeof momentum !== 'number') throw new TypeError(`${who}: momentum must be a number in [0, 1]; got ${describe(momentum)}`);
  if (!(momentum >= 0 && momentum <= 1)) throw new RangeError(`${who}: momentum must be a finite number in [0, 1]; got ${momentum}`);
  return momentum;
}

export function checkEps(eps: unknown, who: string): number {
  if (typeof eps !== 'number') throw new TypeError(`${who}: options.eps must be a number > 0; got ${describe(eps)}`);
  if (!(Number.isFinite(eps) && eps > 0)) throw new RangeError(`${who}: options.eps must be a finite number > 0; got ${eps}`);
  return eps;
}

export function checkAxis(axis: unknown, who: string): Axis | undefined {
  if (axis === undefined || axis === null) return undefined;
  if (axis === 1 || axis === -1 || axis === 2 || axis === 3) return axis;
  throw new RangeError(`${who}: options.axis must be 1 (channels first), -1 or the last axis index (channels last), or undefined (the book's per-feature statistics); got ${describe(axis)}`);
}

/** The activation an options value names (src/activation.ts), or a RangeError listing the names. */
export function checkActivation(value: unknown, who: string): Activation | null {
  if (value === undefined || value === null) return null;
  const def = ACTIVATIONS.find((a) => a.name !== null && a.name === value);
  if (def) return def.name as Activation;
  const names = ACTIVATIONS.flatMap((a) => (a.name ? [`'${a.name}'`] : []));
  throw new RangeError(`${who}: options.activation must be ${names.join(', ')} or null; got ${describe(value)}`);
}

export function checkBackend(backend: unknown, who: string): BackendName | undefined {
  if (backend === undefined || backend === 'wasm' || backend === 'js') return backend;
  throw new RangeError(`${who}: options.backend must be 'wasm' or 'js'; got ${describe(backend)}`);
}

/** The constructor's options object, checked. */
export function layerOptions(options: unknown, who: string): LayerOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${who}: options must be an object; got ${describe(options)}`);
  }
  const o = options as BatchNormalizationOptions;
  return {
    eps: o.eps === undefined ? DEFAULT_EPS : checkEps(o.eps, who),
    axis: checkAxis(o.axis, who),
    activation: checkActivation(o.activation, who),
    unbiased: o.runningVarUnbiased === undefined ? false : checkBoolean(o.runningVarUnbiased, 'options.runningVarUnbiased', who),
    backend: checkBackend(o.backend, who),
  };
}

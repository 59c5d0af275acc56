// Keras' (and TensorFlow.js layers') BatchNormalization: the weights by their names, the
// config by get_config()'s keys and defaults. Keras' momentum weighs the old value, as ours
// does; its moving_variance is fed with the biased batch variance (Keras 3 and tfjs-layers:
// moments()), which is this layer's default.
import type { LayerView } from './interop.js';
import { checkKeys, checkNumber } from './options.js';
import type { Axis, DType, FloatArray } from './types.js';
import { checkBoolean, checkLength, describe, floatParam, newFloats, readOnce, show } from './validate.js';

/**
 * A Keras `BatchNormalization`'s weights by name, as arrays of numbers (in Python
 * `{w.name: w.numpy().tolist() for w in layer.weights}`; in TensorFlow.js the same from
 * `layer.weights` and `dataSync()`). `gamma` is there only when the config's `scale` is
 * true, `beta` only when `center` is.
 *
 * @example
 * ```ts
 * const weights: KerasWeights = { gamma: [1, 2], beta: [0, 0.5], moving_mean: [0, 1], moving_variance: [1, 4] };
 * ```
 */
export interface KerasWeights {
  /** @example [1, 2] */
  gamma?: ArrayLike<number> | null;
  /** @example [0, 0.5] */
  beta?: ArrayLike<number> | null;
  /** @example [0, 1] */
  moving_mean: ArrayLike<number>;
  /** @example [1, 4] */
  moving_variance: ArrayLike<number>;
}

/**
 * A Keras `BatchNormalization`'s `get_config()` (or a TensorFlow.js layer's `getConfig()`).
 * These five keys are read, with Keras' defaults; the others Keras emits (`name`,
 * `trainable`, `dtype`, the initializers, regularizers and constraints, in snake_case or
 * tfjs' camelCase) are ignored; `renorm: true`, `synchronized: true` and a
 * `virtual_batch_size` are refused, and so is any other key.
 *
 * @example
 * ```ts
 * const config: KerasConfig = { name: 'batch_normalization', axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true };
 * ```
 */
export interface KerasConfig {
  /** The channel axis: -1 (default), 1, or the last index (2 or 3); a one-element list (Keras 2 writes `[3]`) is that axis. @example -1 */
  axis?: number | readonly number[];
  /** The weight of the old value, default 0.99. @example 0.99 */
  momentum?: number;
  /** Default 1e-3. @example 0.001 */
  epsilon?: number;
  /** Whether there is a beta (default true); false: beta 0. @example true */
  center?: boolean;
  /** Whether there is a gamma (default true); false: gamma 1. @example true */
  scale?: boolean;
  /** The keys Keras emits beside these (see above). @example { name: 'bn', trainable: true } */
  [key: string]: unknown;
}

/**
 * What `toKeras()` returns: Keras' weights (arrays of their own) and the config keys that
 * carry the layer's behaviour. In Python: `layer = keras.layers.BatchNormalization(**config)`,
 * build it, then `layer.set_weights([gamma, beta, moving_mean, moving_variance])`.
 *
 * @example
 * ```ts
 * const { weights, config } = bn.toKeras();
 * console.log(config.momentum, Array.from(weights.moving_variance));
 * ```
 */
export interface KerasExport<A extends FloatArray = Float32Array> {
  /** Of the layer's dtype (Float64Arrays from a float64 layer). @example { gamma: new Float32Array([1, 2]), beta: new Float32Array([0, 0.5]), moving_mean: new Float32Array([0, 1]), moving_variance: new Float32Array([1, 4]) } */
  weights: {
    /** The layer's gamma. */
    gamma: A;
    /** The layer's beta. */
    beta: A;
    /** Its running mean (zeros before the first forward). */
    moving_mean: A;
    /** Its running variance (zeros before the first forward, the book's start). */
    moving_variance: A;
  };
  /** @example { axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true, dtype: 'float32' } */
  config: {
    /** The layer's axis; -1 for the book's statistics (Keras' axis -1 on [N, D]). */
    axis: number;
    /** The weight of the old value, as ours. */
    momentum: number;
    /** The layer's eps. */
    epsilon: number;
    /** Always true: the weights have a beta. */
    center: true;
    /** Always true: the weights have a gamma. */
    scale: true;
    /** The layer's dtype (Keras' layer dtype: its weights' and computation's). */
    dtype: DType;
  };
}

const WEIGHTS = ['gamma', 'beta', 'moving_mean', 'moving_variance'];
const USED = ['axis', 'momentum', 'epsilon', 'center', 'scale'];
// Keys that change the computation: accepted only at their no-op value (false, null).
const REFUSED = ['renorm', 'synchronized', 'virtual_batch_size'];
// What Keras 3, tf.keras 2 and tfjs-layers (in camelCase) emit that has no bearing on the
// statistics; renorm's own keys mean nothing without renorm, which is refused.
const IGNORED = ('name trainable dtype batch_input_shape renorm_clipping renorm_momentum beta_initializer gamma_initializer '
  + 'moving_mean_initializer moving_variance_initializer beta_regularizer gamma_regularizer beta_constraint gamma_constraint').split(' ');
const KNOWN = [...new Set([...USED, ...REFUSED, ...IGNORED, ...IGNORED.map((k) => k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()))])];

/** The constructor's arguments from Keras' weights and config. */
export interface KerasArgs {
  dtype: DType;
  gamma: FloatArray;
  beta: FloatArray;
  runningMean: FloatArray;
  runningVar: FloatArray;
  momentum: number;
  eps: number;
  axis: Axis;
}

/**
 * Checks Keras' weights and config and maps them to the constructor's arguments. The dtype is
 * the option's when given, else config.dtype's where it is 'float64' (toKeras() writes it),
 * else float32 (Keras' dtype policies, 'mixed_float16' and the like, compute in float32 here).
 */
export function fromKerasArgs(weights: unknown, config: unknown, who: string, option: DType | undefined): KerasArgs {
  for (const [name, value, keys] of [['weights', weights, WEIGHTS], ['config', config, KNOWN]] as const) {
    if (value === null || typeof value !== 'object') throw new TypeError(`${who}: ${name} must be an object (${name === 'config' ? "Keras' get_config()" : WEIGHTS.join(', ')}); got ${describe(value)}`);
    checkKeys(value, keys, who, name);
  }
  const c: Record<string, unknown> = readOnce(config as object, [...USED, ...REFUSED, 'dtype']); // each key read once
  const dtype: DType = option ?? (c.dtype === 'float64' ? 'float64' : 'float32');
  for (const key of REFUSED) {
    const v = c[key];
    if (v != null && v !== false) throw new RangeError(`${who}: config.${key} must be ${key[0] === 'v' ? 'null' : 'false'} (not supported); got ${show(v)}`);
  }
  const given = (key: string, fallback: unknown) => (c[key] === undefined ? fallback : c[key]);
  let axis = given('axis', -1);
  if (Array.isArray(axis) && axis.length === 1) axis = axis[0]; // tf.keras 2 writes [3] after build
  if (axis !== 1 && axis !== -1 && axis !== 2 && axis !== 3) {
    throw new RangeError(`${who}: config.axis must be one axis: -1, 1, or the last index (2 or 3); got ${show(axis)}`);
  }
  const momentum = checkNumber(given('momentum', 0.99), 'config.momentum', who, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
  const eps = checkNumber(given('epsilon', 1e-3), 'config.epsilon', who, (v) => v > 0 && v < Infinity, 'a finite number > 0');
  const center = checkBoolean(given('center', true), 'config.center', who);
  const scale = checkBoolean(given('scale', true), 'config.scale', who);
  const { gamma, beta, moving_mean, moving_variance } = weights as KerasWeights; // each read once
  for (const [name, value, wanted, key] of [['gamma', gamma, scale, 'scale'], ['beta', beta, center, 'center']] as const) {
    if (wanted === (value == null)) {
      throw new TypeError(`${who}: weights.${name} must be ${wanted ? 'an array' : 'absent'} when config.${key} is ${wanted}; got ${describe(value)}`);
    }
  }
  const runningMean = floatParam(moving_mean, 'weights.moving_mean', who, dtype); // the constructor copies it
  const C = runningMean.length;
  const array = (value: unknown, name: string) => {
    const a = floatParam(value, `weights.${name}`, who, dtype);
    checkLength(a, C, `weights.${name}`, who, 'the length of moving_mean');
    return a;
  };
  return {
    dtype,
    gamma: scale ? array(gamma, 'gamma') : newFloats(dtype, C).fill(1),
    beta: center ? array(beta, 'beta') : newFloats(dtype, C),
    runningMean,
    runningVar: array(moving_variance, 'moving_variance'),
    momentum,
    eps,
    axis,
  };
}

/** Keras' weights and config of a layer (copies); a RangeError for what Keras cannot express. */
export function toKerasFields(layer: LayerView, who: string): KerasExport<FloatArray> {
  const { momentum, activation } = layer;
  const refused = momentum === null ? ['momentum', 'a number (Keras has no cumulative average)', null]
    : !layer.trackRunningStats ? ['trackRunningStats', 'true (Keras keeps moving statistics)', false]
      : activation !== null ? ['activation', 'null (Keras fuses none)', `'${activation}'`] : null;
  if (refused) throw new RangeError(`${who}: the layer's ${refused[0]} must be ${refused[1]}; got ${refused[2]}`);
  const copy = (a: FloatArray | null) => (a ? a.slice() : newFloats(layer.dtype, layer.gamma.length));
  return {
    weights: { gamma: copy(layer.gamma), beta: copy(layer.beta), moving_mean: copy(layer.runningMean), moving_variance: copy(layer.runningVar) },
    // The book's per-feature statistics (axis null) are Keras' axis -1 on [N, D].
    config: { axis: layer.axis ?? -1, momentum: momentum!, epsilon: layer.eps, center: true, scale: true, dtype: layer.dtype },
  };
}

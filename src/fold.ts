// Folding a layer's inference transform into the linear layer before it:
//   y = BN(x @ W + b) = x @ (W * a) + (b * a + shift),  a = gamma / sqrt(runningVar + eps),
//   shift = beta - runningMean * a, per output feature / channel.
// Affine weights are [in, out] (the book's Affine: x @ W + b); convolution weights are
// [outC, inC, kh, kw]. Computed in f64, stored in the layer's dtype (f32, or f64).
import { ACTIVATION_NAMES, ACTIVATIONS, activationCode, type Activation } from './activation.js';
import { checkDtype, checkEps } from './options.js';
import type { DType, FloatArray, TensorLike } from './types.js';
import { readTensor } from './intake.js';
import { arrayLength, checkLength, describe, floatParam, formatShape, newFloats, toFloats } from './validate.js';

/**
 * What foldInto reads of a layer: a BatchNormalization is one.
 *
 * @example
 * ```ts
 * const layer: FoldableLayer = { gamma, beta, runningMean, runningVar, eps: 1e-5, activation: null };
 * ```
 */
export interface FoldableLayer {
  /**
   * The element type of the folded weights and bias: 'float32' (also when absent) or 'float64'.
   *
   * @example 'float64'
   */
  readonly dtype?: DType;
  /**
   * The scale.
   *
   * @example new Float32Array([1, 2])
   */
  readonly gamma: ArrayLike<number>;
  /**
   * The shift.
   *
   * @example new Float32Array([0, 0.5])
   */
  readonly beta: ArrayLike<number>;
  /**
   * null: zeros (the book's start).
   *
   * @example new Float32Array([0, 1])
   */
  readonly runningMean: ArrayLike<number> | null;
  /**
   * null: zeros (the book's start).
   *
   * @example new Float32Array([1, 4])
   */
  readonly runningVar: ArrayLike<number> | null;
  /**
   * Added to the variance.
   *
   * @example 1e-5
   */
  readonly eps: number;
  /**
   * Must be null: no linear layer can absorb an activation.
   *
   * @example null
   */
  readonly activation: Activation | null;
  /**
   * Must not be false: batch statistics cannot be folded.
   *
   * @example true
   */
  readonly trackRunningStats?: boolean;
}

/**
 * The folded linear layer: y = x @ weights + bias gives the layer's inference output.
 *
 * @example
 * ```ts
 * const { weights, bias }: Folded = bn.foldInto({ data: W, shape: [inputs, bn.gamma.length] }, b);
 * ```
 */
export interface Folded<A extends FloatArray = Float32Array> {
  /**
   * The weights scaled per output: a copy, of the input's shape.
   *
   * @example { data: new Float32Array(784 * 100), shape: [784, 100] }
   */
  weights: {
    /** The elements, row-major, of the layer's dtype. */
    data: A;
    /** The input weights' shape. */
    shape: readonly number[];
  };
  /**
   * The new bias, one per output.
   *
   * @example new Float32Array([0.1, -0.3])
   */
  bias: A;
}

/**
 * Folds a layer's inference transform into the linear layer before it:
 * `BN(x @ W + b) = x @ (W * a) + (b * a + shift)`, with `a = gamma / sqrt(runningVar + eps)`
 * and `shift = beta - runningMean * a` per output, computed in f64.
 *
 * @param layer - The batch normalisation (its running statistics, gamma, beta, eps).
 * @param weights - `[in, out]` (an affine `x @ W + b`, the book's Affine) or `[outC, inC, kh, kw]`
 *   (a convolution).
 * @param bias - The linear layer's bias, one per output, or none (zeros).
 * @returns New weights (a copy) and bias.
 * @throws TypeError when the layer fuses an activation or keeps no running statistics, one of
 *   its arrays is not an array of numbers, or weights is no tensor.
 * @throws RangeError when the layer's arrays differ in length, its eps is not > 0, or the
 *   weights' output count or bias's length is not the layer's.
 *
 * @example
 * ```ts
 * const folded = foldInto(bn, { data: W, shape: [784, 100] }, b);
 * ```
 */
export function foldInto(layer: FoldableLayer, weights: TensorLike, bias?: ArrayLike<number> | null): Folded<FloatArray> {
  const who = 'foldInto';
  // Each of the layer's properties read once (a plain object's getters included).
  const { dtype: givenDtype, gamma, beta, runningMean, runningVar, eps, activation, trackRunningStats } = layer;
  const dtype = checkDtype(givenDtype, who, 'layer.dtype');
  if (activation != null) {
    const code = activationCode(activation);
    if (code < 0) {
      throw new TypeError(`${who}: layer.activation must be null or one of ${ACTIVATION_NAMES}; got ${describe(activation)}`);
    }
    throw new TypeError(`${who}: the layer fuses ${ACTIVATIONS[code].label} (activation '${activation}'), which no linear layer can absorb; expected activation null`);
  }
  if (trackRunningStats === false) {
    throw new TypeError(`${who}: the layer keeps no running statistics (trackRunningStats false): it normalises every batch with the batch's own, which no linear layer can absorb; expected a layer with trackRunningStats true`);
  }
  const g = floatParam(gamma, 'layer.gamma', who, dtype);
  const C = g.length;
  const perChannel = (value: unknown, name: string): FloatArray => {
    const a = floatParam(value, `layer.${name}`, who, dtype);
    checkLength(a, C, `layer.${name}`, who, 'the length of gamma');
    return a;
  };
  const shift = perChannel(beta, 'beta');
  const mean = runningMean == null ? null : perChannel(runningMean, 'runningMean');
  const variance = runningVar == null ? null : perChannel(runningVar, 'runningVar');
  checkEps(eps, who, 'layer.eps');
  const w = readTensor(weights, 'weights', who, dtype, [2, 4], '2 dimensions [in, out] (affine) or 4 [outC, inC, kh, kw] (convolution)');
  const conv = w.shape.length === 4;
  const outs = conv ? w.shape[0] : w.shape[1];
  if (outs !== C) {
    throw new RangeError(`${who}: weights.shape ${formatShape(w.shape)} has ${outs} output ${conv ? 'channels' : 'features'}; expected ${C} (the length of gamma)`);
  }
  let b: FloatArray | null = null;
  if (bias != null) {
    const length = arrayLength(bias);
    if (length < 0) throw new TypeError(`${who}: bias must be an array-like of numbers or null; got ${describe(bias)}`);
    if (length !== C) throw new RangeError(`${who}: bias.length must be ${C} (the output count); got ${length}`);
    b = toFloats(bias, C, 'bias', who, dtype);
  }
  const scale = new Float64Array(C);
  const outBias = newFloats(dtype, C);
  for (let c = 0; c < C; c++) {
    const m = mean?.[c] ?? 0; // the book's running statistics start at zero
    const v = variance?.[c] ?? 0;
    scale[c] = g[c] / Math.sqrt(v + eps);
    outBias[c] = (b?.[c] ?? 0) * scale[c] + (shift[c] - m * scale[c]);
  }
  const data = w.data.slice(); // a copy even when w.data is the caller's
  if (conv) {
    const per = data.length / C; // inC * kh * kw weights per output channel
    for (let i = 0; i < data.length; i++) data[i] *= scale[Math.floor(i / per)];
  } else {
    for (let i = 0; i < data.length; i++) data[i] *= scale[i % C];
  }
  return { weights: { data, shape: Object.freeze([...w.shape]) }, bias: outBias };
}

// An independent float64 batch norm over every option the layer has, written from the
// formulas (docs/SEMANTICS.md; PyTorch's and ONNX's documentation), not from the kernels:
// statistics per channel over a layout given by an index -> channel map, the fused
// activations, the running-statistics update, and the backward in closed form
// dx = gamma * invstd / M * (M * g - sum(g) - xhat * sum(g * xhat)), g = dy masked by the activation.

export interface RefOptions {
  activation: null | 'relu' | 'relu6';
  unbiased: boolean;
  momentum: number;
  eps: number;
}

export interface RefTrain {
  y: Float64Array;
  /** The value before the activation, gamma * xhat + beta. */
  pre: Float64Array;
  xhat: Float64Array;
  invstd: Float64Array;
  runningMean: Float64Array;
  runningVar: Float64Array;
}

export const ACTIVATE = {
  none: (v: number) => v,
  relu: (v: number) => Math.max(v, 0),
  relu6: (v: number) => Math.min(Math.max(v, 0), 6),
};
export const PASSES = {
  none: () => true,
  relu: (v: number) => v > 0,
  relu6: (v: number) => v > 0 && v < 6,
};

/** Channel of each flat index: layout 'first' is [N, C, S], 'last' is [N, S, C]. */
export function channelMap(N: number, C: number, S: number, layout: 'first' | 'last'): Int32Array {
  return Int32Array.from({ length: N * C * S }, (_, i) => (layout === 'first' ? Math.floor(i / S) % C : i % C));
}

export function refTrain(x: ArrayLike<number>, channel: Int32Array, C: number, gamma: ArrayLike<number>, beta: ArrayLike<number>,
  runningMean: ArrayLike<number>, runningVar: ArrayLike<number>, o: RefOptions): RefTrain {
  const M = channel.length / C;
  const mean = new Float64Array(C);
  for (let i = 0; i < x.length; i++) mean[channel[i]] += x[i];
  mean.forEach((v, c) => (mean[c] = v / M));
  // One refinement pass: the deviations' mean corrects the rounding of the first sum, so that
  // data far from zero (1e4 + noise) gets a mean good to float64 rounding of the mean itself.
  const fix = new Float64Array(C);
  for (let i = 0; i < x.length; i++) fix[channel[i]] += x[i] - mean[channel[i]];
  fix.forEach((v, c) => (mean[c] += v / M));
  const m2 = new Float64Array(C);
  for (let i = 0; i < x.length; i++) m2[channel[i]] += (x[i] - mean[channel[i]]) ** 2;
  const invstd = Float64Array.from(m2, (v) => 1 / Math.sqrt(v / M + o.eps));
  const xhat = Float64Array.from(x, (v, i) => (v - mean[channel[i]]) * invstd[channel[i]]);
  const pre = Float64Array.from(xhat, (v, i) => gamma[channel[i]] * v + beta[channel[i]]);
  const act = ACTIVATE[o.activation ?? 'none'];
  const denom = o.unbiased && M > 1 ? M - 1 : M;
  return {
    y: pre.map(act), pre, xhat, invstd,
    runningMean: Float64Array.from(mean, (v, c) => o.momentum * runningMean[c] + (1 - o.momentum) * v),
    runningVar: Float64Array.from(m2, (v, c) => o.momentum * runningVar[c] + (1 - o.momentum) * (v / denom)),
  };
}

export function refBackward(dy: ArrayLike<number>, channel: Int32Array, C: number, gamma: ArrayLike<number>, t: RefTrain, o: RefOptions) {
  const M = channel.length / C;
  const passes = PASSES[o.activation ?? 'none'];
  const g = Float64Array.from(dy, (v, i) => (passes(t.pre[i]) ? v : 0));
  const dbeta = new Float64Array(C);
  const dgamma = new Float64Array(C);
  for (let i = 0; i < g.length; i++) {
    dbeta[channel[i]] += g[i];
    dgamma[channel[i]] += g[i] * t.xhat[i];
  }
  const dx = Float64Array.from(g, (v, i) => {
    const c = channel[i];
    return ((gamma[c] * t.invstd[c]) / M) * (M * v - dbeta[c] - t.xhat[i] * dgamma[c]);
  });
  return { dx, dgamma, dbeta };
}

export function refInfer(x: ArrayLike<number>, channel: Int32Array, gamma: ArrayLike<number>, beta: ArrayLike<number>,
  runningMean: ArrayLike<number>, runningVar: ArrayLike<number>, o: RefOptions): Float64Array {
  const act = ACTIVATE[o.activation ?? 'none'];
  return Float64Array.from(x, (v, i) => {
    const c = channel[i];
    return act(((v - runningMean[c]) / Math.sqrt(runningVar[c] + o.eps)) * gamma[c] + beta[c]);
  });
}

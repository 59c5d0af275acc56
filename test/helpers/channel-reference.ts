// An independent float64 per-channel batch norm written from the ONNX BatchNormalization-15
// operator's reference formulas (and PyTorch's documented ones): statistics over every axis
// but the channel axis. x is NCHW-like: [N, C, S] flat, S = product of the spatial axes.

export interface ChannelRef {
  y: Float64Array;
  mean: Float64Array;
  variance: Float64Array; // population (biased)
  runningMean: Float64Array;
  runningVar: Float64Array;
}

export function refChannelTrain(x: ArrayLike<number>, N: number, C: number, S: number, scale: ArrayLike<number>, bias: ArrayLike<number>,
  inputMean: ArrayLike<number>, inputVar: ArrayLike<number>, momentum: number, eps: number, unbiasedRunning = false, relu = false): ChannelRef {
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  const M = N * S;
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) s += x[(n * C + c) * S + i];
    mean[c] = s / M;
    let q = 0;
    for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) q += (x[(n * C + c) * S + i] - mean[c]) ** 2;
    variance[c] = q / M;
  }
  const y = new Float64Array(N * C * S);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < S; i++) {
        const k = (n * C + c) * S + i;
        const v = ((x[k] - mean[c]) / Math.sqrt(variance[c] + eps)) * scale[c] + bias[c];
        y[k] = relu ? Math.max(0, v) : v;
      }
    }
  }
  const runningMean = Float64Array.from({ length: C }, (_, c) => inputMean[c] * momentum + mean[c] * (1 - momentum));
  const runningVar = Float64Array.from({ length: C }, (_, c) =>
    inputVar[c] * momentum + (unbiasedRunning ? (variance[c] * M) / (M - 1) : variance[c]) * (1 - momentum));
  return { y, mean, variance, runningMean, runningVar };
}

export function refChannelInfer(x: ArrayLike<number>, N: number, C: number, S: number, scale: ArrayLike<number>, bias: ArrayLike<number>,
  mean: ArrayLike<number>, variance: ArrayLike<number>, eps: number): Float64Array {
  const y = new Float64Array(N * C * S);
  for (let k = 0; k < y.length; k++) {
    const c = Math.floor(k / S) % C;
    y[k] = ((x[k] - mean[c]) / Math.sqrt(variance[c] + eps)) * scale[c] + bias[c];
  }
  return y;
}

/** [N, C, S] (channels first) to [N, S, C] (channels last). */
export function toChannelsLast(x: ArrayLike<number>, N: number, C: number, S: number): Float32Array {
  const out = new Float32Array(N * C * S);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < S; i++) out[(n * S + i) * C + c] = x[(n * C + c) * S + i];
  return out;
}

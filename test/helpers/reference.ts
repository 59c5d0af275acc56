// An independent float64 port of the book's BatchNormalization (the numpy code in
// ../shared/seed), step by step with its xc, std and xn, for comparing against the
// library. Input is [N, D] flat row-major; a 4D input is passed as D = C*H*W.

export interface RefState {
  runningMean: Float64Array;
  runningVar: Float64Array;
  xc?: Float64Array;
  xn?: Float64Array;
  std?: Float64Array;
  N?: number;
}

export function refForward(x: ArrayLike<number>, N: number, D: number, gamma: ArrayLike<number>, beta: ArrayLike<number>,
  state: RefState, momentum: number, train: boolean, eps = 1e-6): Float64Array {
  const out = new Float64Array(N * D);
  if (train) {
    const mu = new Float64Array(D);
    for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) mu[d] += x[n * D + d] / N;
    const xc = new Float64Array(N * D);
    const v = new Float64Array(D);
    for (let n = 0; n < N; n++) {
      for (let d = 0; d < D; d++) {
        xc[n * D + d] = x[n * D + d] - mu[d];
        v[d] += (xc[n * D + d] * xc[n * D + d]) / N;
      }
    }
    const std = v.map((vd) => Math.sqrt(vd + eps));
    const xn = xc.map((c, i) => c / std[i % D]);
    Object.assign(state, { xc, xn, std, N });
    for (let d = 0; d < D; d++) {
      state.runningMean[d] = momentum * state.runningMean[d] + (1 - momentum) * mu[d];
      state.runningVar[d] = momentum * state.runningVar[d] + (1 - momentum) * v[d];
    }
    for (let i = 0; i < N * D; i++) out[i] = gamma[i % D] * xn[i] + beta[i % D];
  } else {
    for (let i = 0; i < N * D; i++) {
      const d = i % D;
      out[i] = (gamma[d] * (x[i] - state.runningMean[d])) / Math.sqrt(state.runningVar[d] + eps) + beta[d];
    }
  }
  return out;
}

export function refBackward(dout: ArrayLike<number>, D: number, gamma: ArrayLike<number>, state: RefState) {
  const { xc, xn, std, N } = state as Required<RefState>;
  const dbeta = new Float64Array(D);
  const dgamma = new Float64Array(D);
  const dstd = new Float64Array(D);
  const dxc = new Float64Array(N * D);
  for (let i = 0; i < N * D; i++) {
    const d = i % D;
    dbeta[d] += dout[i];
    dgamma[d] += xn[i] * dout[i];
    const dxn = gamma[d] * dout[i];
    dxc[i] = dxn / std[d];
    dstd[d] -= (dxn * xc[i]) / (std[d] * std[d]);
  }
  const dmu = new Float64Array(D);
  for (let i = 0; i < N * D; i++) {
    const d = i % D;
    const dvar = (0.5 * dstd[d]) / std[d];
    dxc[i] += (2 / N) * xc[i] * dvar;
    dmu[d] += dxc[i];
  }
  const dx = dxc.map((v, i) => v - dmu[i % D] / N);
  return { dx, dgamma, dbeta };
}

// A straightforward port of the book's numpy code to JavaScript loops: every numpy
// expression becomes a loop over a fresh array, as a reader would first write it.
// The benchmark's baseline; not used by the library.

export class NaiveBatchNorm {
  constructor(gamma, beta, momentum = 0.9) {
    this.gamma = gamma;
    this.beta = beta;
    this.momentum = momentum;
    this.runningMean = null;
    this.runningVar = null;
  }

  forward(x, N, D, train = true) {
    if (this.runningMean === null) {
      this.runningMean = new Float32Array(D);
      this.runningVar = new Float32Array(D);
    }
    const out = new Float32Array(N * D);
    if (train) {
      const mu = new Float32Array(D); // mu = x.mean(axis=0)
      for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) mu[d] += x[n * D + d];
      for (let d = 0; d < D; d++) mu[d] /= N;
      const xc = new Float32Array(N * D); // xc = x - mu
      for (let i = 0; i < N * D; i++) xc[i] = x[i] - mu[i % D];
      const v = new Float32Array(D); // var = mean(xc**2, axis=0)
      for (let i = 0; i < N * D; i++) v[i % D] += xc[i] * xc[i];
      for (let d = 0; d < D; d++) v[d] /= N;
      const std = new Float32Array(D); // std = sqrt(var + 10e-7)
      for (let d = 0; d < D; d++) std[d] = Math.sqrt(v[d] + 1e-6);
      const xn = new Float32Array(N * D); // xn = xc / std
      for (let i = 0; i < N * D; i++) xn[i] = xc[i] / std[i % D];
      Object.assign(this, { batchSize: N, xc, xn, std });
      for (let d = 0; d < D; d++) {
        this.runningMean[d] = this.momentum * this.runningMean[d] + (1 - this.momentum) * mu[d];
        this.runningVar[d] = this.momentum * this.runningVar[d] + (1 - this.momentum) * v[d];
      }
      for (let i = 0; i < N * D; i++) out[i] = this.gamma[i % D] * xn[i] + this.beta[i % D];
    } else {
      for (let i = 0; i < N * D; i++) {
        const d = i % D;
        out[i] = this.gamma[d] * ((x[i] - this.runningMean[d]) / Math.sqrt(this.runningVar[d] + 1e-6)) + this.beta[d];
      }
    }
    return out;
  }

  backward(dout, N, D) {
    const { xc, xn, std } = this;
    const dbeta = new Float32Array(D);
    const dgamma = new Float32Array(D);
    for (let i = 0; i < N * D; i++) {
      dbeta[i % D] += dout[i];
      dgamma[i % D] += xn[i] * dout[i];
    }
    const dxn = new Float32Array(N * D);
    for (let i = 0; i < N * D; i++) dxn[i] = this.gamma[i % D] * dout[i];
    const dxc = new Float32Array(N * D);
    for (let i = 0; i < N * D; i++) dxc[i] = dxn[i] / std[i % D];
    const dstd = new Float32Array(D);
    for (let i = 0; i < N * D; i++) dstd[i % D] -= (dxn[i] * xc[i]) / (std[i % D] * std[i % D]);
    const dvar = new Float32Array(D);
    for (let d = 0; d < D; d++) dvar[d] = (0.5 * dstd[d]) / std[d];
    for (let i = 0; i < N * D; i++) dxc[i] += (2 / this.batchSize) * xc[i] * dvar[i % D];
    const dmu = new Float32Array(D);
    for (let i = 0; i < N * D; i++) dmu[i % D] += dxc[i];
    const dx = new Float32Array(N * D);
    for (let i = 0; i < N * D; i++) dx[i] = dxc[i] - dmu[i % D] / this.batchSize;
    this.dgamma = dgamma;
    this.dbeta = dbeta;
    return dx;
  }
}

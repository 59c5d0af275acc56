// Float64 reference of the layer's forward, used to check ours (and, when ours cannot
// run a workload, the peers). Biased variance, eps inside the sqrt,
// running = momentum * running + (1 - momentum) * batch.
import { geometry } from './workloads.mjs';

export function referenceForward(workload, op, inp) {
  const { N, C, S } = geometry(workload);
  const { x, gamma, beta, eps, momentum } = inp;
  const training = op === 'training forward';
  let mean = Float64Array.from(inp.runningMean);
  let variance = Float64Array.from(inp.runningVar);
  let runningMean, runningVar;
  if (training) {
    mean = new Float64Array(C);
    variance = new Float64Array(C);
    for (let n = 0, i = 0; n < N; n++) {
      for (let c = 0; c < C; c++) for (let s = 0; s < S; s++, i++) mean[c] += x[i];
    }
    for (let c = 0; c < C; c++) mean[c] /= N * S;
    for (let n = 0, i = 0; n < N; n++) {
      for (let c = 0; c < C; c++) for (let s = 0; s < S; s++, i++) variance[c] += (x[i] - mean[c]) ** 2;
    }
    for (let c = 0; c < C; c++) variance[c] /= N * S;
    runningMean = Float32Array.from(inp.runningMean, (r, c) => momentum * r + (1 - momentum) * mean[c]);
    runningVar = Float32Array.from(inp.runningVar, (r, c) => momentum * r + (1 - momentum) * variance[c]);
  }
  const y = new Float32Array(x.length);
  for (let n = 0, i = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const k = gamma[c] / Math.sqrt(variance[c] + eps);
      for (let s = 0; s < S; s++, i++) y[i] = (x[i] - mean[c]) * k + beta[c];
    }
  }
  return { y, runningMean, runningVar };
}

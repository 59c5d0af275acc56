// Data-parallel training with synchronized batch norm: K worker threads each take a quarter of
// every minibatch, and their batch-norm layers normalise with the statistics of the whole
// minibatch, exchanged through MessagePorts (messagePortCollective). The model is batch norm
// then a linear read-out, fitted to a linear target of features on very different scales; the
// optimiser averages every gradient over the replicas through the same collective, as
// PyTorch's DistributedDataParallel does, so that every replica holds the same weights.
// Run: npm run example:sync
import { MessageChannel, Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BatchNormalization, init, messagePortCollective } from '../dist/index.js';

const K = 4; // replicas
const D = 8; // features
const BATCH = 64; // rows of a minibatch, over all replicas
const STEPS = 60;

// The data every replica can make for itself: feature d is offset by 100 * d and scaled by 10^(d % 4).
function rows(seed, n) {
  let s = seed;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const x = new Float32Array(n * D);
  const t = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let target = 0;
    for (let d = 0; d < D; d++) {
      const z = rand();
      x[i * D + d] = 100 * d + 10 ** (d % 4) * z;
      target += (d % 2 ? 1 : -0.5) * z; // a linear function of the standardised features
    }
    t[i] = target;
  }
  return { x, t };
}

if (isMainThread) {
  // One MessageChannel per pair of replicas; replica r gets the ends that reach the others.
  const ports = Array.from({ length: K }, () => new Array(K).fill(null));
  for (let a = 0; a < K; a++) {
    for (let b = a + 1; b < K; b++) {
      const { port1, port2 } = new MessageChannel();
      [ports[a][b], ports[b][a]] = [port1, port2];
    }
  }
  const results = await Promise.all(ports.map((mine, rank) => new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { rank, ports: mine }, transferList: mine.filter(Boolean) });
    worker.once('message', resolve);
    worker.once('error', reject);
  })));
  const first = results[0];
  console.log(`${K} replicas, ${BATCH / K} rows each of every minibatch of ${BATCH}`);
  console.log(`loss: step 1 ${first.losses[0].toFixed(4)}, step ${STEPS} ${first.losses.at(-1).toFixed(4)}`);
  const same = results.every((r) => r.runningMean.every((v, i) => Object.is(v, first.runningMean[i])) && r.gamma.every((v, i) => Object.is(v, first.gamma[i])));
  console.log(`every replica holds the same running statistics and gamma, to the last bit: ${same}`);
  console.log(`running mean of feature 3 (the data's mean is 300): ${first.runningMean[3].toFixed(2)}`);
} else {
  const { rank, ports } = workerData;
  await init();
  const collective = messagePortCollective({ rank, ports });
  const bn = new BatchNormalization(new Float32Array(D).fill(1), new Float32Array(D), 0.9, null, null, { collective });
  const w = new Float32Array(D);
  // The optimiser's all-reduce: every replica's gradients summed, through the same collective.
  const allSum = async (parts) => {
    const local = Float64Array.from(parts.flatMap((p) => Array.from(p)));
    const all = await collective.allGather(local, { signal: AbortSignal.timeout(60_000) });
    return all.reduce((sum, a) => sum.map((v, i) => v + a[i]), new Float64Array(local.length));
  };
  const losses = [];
  const n = BATCH / K;
  for (let step = 0; step < STEPS; step++) {
    const { x, t } = rows(1000 * step + rank + 1, n); // this replica's share of minibatch `step`
    const y = await bn.forwardAsync({ data: x, shape: [n, D] });
    // prediction p = y @ w; loss = mean over the whole minibatch of (p - t)^2 / 2
    const dy = new Float32Array(n * D);
    const dw = new Float64Array(D);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let p = 0;
      for (let d = 0; d < D; d++) p += y.data[i * D + d] * w[d];
      const e = (p - t[i]) / BATCH;
      loss += ((p - t[i]) ** 2) / 2 / BATCH;
      for (let d = 0; d < D; d++) {
        dw[d] += e * y.data[i * D + d];
        dy[i * D + d] = e * w[d];
      }
    }
    await bn.backwardAsync({ data: dy, shape: [n, D] });
    const sums = await allSum([dw, bn.dgamma, bn.dbeta, [loss]]);
    for (let d = 0; d < D; d++) {
      w[d] -= 0.5 * sums[d];
      bn.gamma[d] -= 0.5 * sums[D + d];
      bn.beta[d] -= 0.5 * sums[2 * D + d];
    }
    losses.push(sums[3 * D]);
  }
  collective.close();
  parentPort.postMessage({ losses, runningMean: Array.from(bn.runningMean), gamma: Array.from(bn.gamma) });
}

// Times one layer pass in the visitor's browser. Timings are noisy (timer resolution is
// coarsened in browsers, more so without cross-origin isolation), so each pass runs in
// batches long enough to measure and the best batch is kept.
import { BatchNormalization } from 'batchnorm-wasm';

export const PASSES = ['train forward', 'inference', 'backward'];

function filled(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0; // LCG: cheap, repeatable
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

/** Best time per call in microseconds, over `batches` batches of at least `minMs` each. */
function timePerCall(fn, { batches = 5, minMs = 8 } = {}) {
  fn(); fn(); // warm-up: compile and tier up
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    if (performance.now() - t0 >= minMs || reps >= 1 << 16) break;
    reps *= 2;
  }
  let best = Infinity;
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return best * 1000;
}

/** Runs the three passes on an [N, D] layer of one backend; returns µs per call for each. */
export function benchLayer(backend, N, D) {
  const x = { data: filled(N * D, 1), shape: [N, D] };
  const dout = { data: filled(N * D, 2), shape: [N, D] };
  const layer = new BatchNormalization(filled(D, 3), filled(D, 4), 0.9, null, null, { backend });
  try {
    const train = timePerCall(() => layer.forward(x, true));
    const infer = timePerCall(() => layer.forward(x, false));
    layer.forward(x, true); // backward needs the caches of a training forward
    const back = timePerCall(() => layer.backward(dout));
    return { 'train forward': train, inference: infer, backward: back };
  } finally {
    layer.dispose();
  }
}

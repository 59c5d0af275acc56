// Times the layer's passes in the visitor's browser, for each way of calling it:
//   wasm           the plain API: a Float32Array in, a new Float32Array returned per call
//   wasm out       a Float32Array in, written into the caller's Float32Array (one copy each way)
//   wasm resident  Wasm tensors from allocTensor in and out: nothing copied
//   js             the JS backend through the plain API
// At large sizes the plain API spends most of a call allocating and filling the array it
// returns, so only the other two show what the kernels do. Timings are noisy (timer
// resolution is coarsened in browsers, more so without cross-origin isolation), so each pass
// runs in batches long enough to measure and the best batch is kept.
import { allocTensor, BatchNormalization } from 'batchnorm-wasm';

export const PASSES = ['train forward', 'inference', 'backward'];
export const VARIANTS = [
  { key: 'wasm', backend: 'wasm', io: 'plain' },
  { key: 'wasm out', backend: 'wasm', io: 'out' },
  { key: 'wasm resident', backend: 'wasm', io: 'resident' },
  { key: 'js', backend: 'js', io: 'plain' },
];

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

// x, dout and the outputs of one variant: the outputs are undefined for the plain API.
function operands({ io }, shape, xData, doutData, tensors) {
  if (io === 'resident') {
    const tensor = (values) => {
      const t = allocTensor(shape);
      if (values) t.data.set(values);
      tensors.push(t);
      return t;
    };
    return { x: tensor(xData), dout: tensor(doutData), y: tensor(), dx: tensor() };
  }
  const x = { data: xData, shape };
  const dout = { data: doutData, shape };
  if (io === 'plain') return { x, dout, y: undefined, dx: undefined };
  return { x, dout, y: { data: new Float32Array(xData.length), shape }, dx: { data: new Float32Array(xData.length), shape } };
}

/** Runs the three passes on an [N, D] layer, called the variant's way; returns µs per call for each. */
export function benchVariant(variant, N, D) {
  const shape = [N, D];
  const tensors = [];
  const layer = new BatchNormalization(filled(D, 3), filled(D, 4), 0.9, null, null, { backend: variant.backend });
  try {
    const { x, dout, y, dx } = operands(variant, shape, filled(N * D, 1), filled(N * D, 2), tensors);
    const train = timePerCall(() => layer.forward(x, true, y));
    const infer = timePerCall(() => layer.forward(x, false, y));
    layer.forward(x, true, y); // backward needs the caches of a training forward
    const back = timePerCall(() => layer.backward(dout, dx));
    return { 'train forward': train, inference: infer, backward: back };
  } finally {
    layer.dispose();
    tensors.forEach((t) => t.dispose());
  }
}

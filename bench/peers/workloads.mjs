// The workloads every implementation runs, with deterministic inputs, so that all
// implementations see the same bytes and their outputs can be compared.
//   layout 'book': x [N, D], statistics per feature over N (C = D, one value per column).
//   layout 'nchw': x [N, C, H, W], statistics per channel over N, H, W (ONNX BatchNormalization).

export const EPS = 1e-5; // ONNX's default; passed explicitly to every implementation
export const MOMENTUM = 0.9;

export const WORKLOADS = [
  { name: '[1024, 4096]', layout: 'book', shape: [1024, 4096] },
  { name: '[32, 64, 56, 56] NCHW', layout: 'nchw', shape: [32, 64, 56, 56] },
];
export const OPS = ['inference', 'training forward'];

// mulberry32: small, fast, seeded.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Channel count C and elements per channel per sample S for a workload. */
export function geometry(workload) {
  const [N, C] = workload.shape;
  const S = workload.layout === 'nchw' ? workload.shape.slice(2).reduce((a, b) => a * b, 1) : 1;
  return { N, C, S, count: N * C * S };
}

/** x with a per-channel offset and scale (so that normalising matters), plus the layer parameters. */
export function makeInputs(workload, seed = 42) {
  const { N, C, S, count } = geometry(workload);
  const r = rng(seed);
  const chanMean = Float32Array.from({ length: C }, () => r() * 4 - 2);
  const chanStd = Float32Array.from({ length: C }, () => 0.5 + r() * 2);
  const x = new Float32Array(count);
  for (let n = 0, i = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let s = 0; s < S; s++, i++) x[i] = chanMean[c] + chanStd[c] * (r() * 2 - 1);
    }
  }
  return {
    x,
    shape: workload.shape,
    layout: workload.layout,
    C,
    gamma: Float32Array.from({ length: C }, () => 0.5 + r()),
    beta: Float32Array.from({ length: C }, () => r() - 0.5),
    // Running statistics used by inference and as the starting point of the training update.
    runningMean: Float32Array.from(chanMean, (m) => m + (r() - 0.5) * 0.1),
    runningVar: Float32Array.from(chanStd, (s) => (s * s) / 3 + r() * 0.1),
    eps: EPS,
    momentum: MOMENTUM,
  };
}

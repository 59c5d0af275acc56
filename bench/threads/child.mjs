// One child process of bench/threads.mjs: one thread count, one part (the main workloads
// or the crossover sizes), timed with hrtime loops on resident tensors. The library's
// runtime is per module instance, so each thread count gets a fresh process: 1 thread is
// the plain init() runtime, N threads init({ threads: N }).
import { random } from '../workloads.mjs';
import { importPatchedDist } from './patched-dist.mjs';
import { median } from '../lib/stats.mjs';

export const MAIN = [
  { name: '[1024, 4096]', shape: [1024, 4096] },
  { name: '[32, 64, 56, 56] NCHW', shape: [32, 64, 56, 56], axis: 1 },
];
export const CROSSOVER_N = [16, 32, 64, 128, 256, 512, 1024, 2048]; // 16K..2M elements
export const CROSSOVER_D = 1024;

const now = () => performance.now();


// Median ms per call: warm up (>= 10 calls and 50 ms: the first calls after the workers
// start run slower), batch calls so one sample lasts >= 1 ms (timer resolution), then
// sample for budgetMs.
function timeOp(fn, budgetMs, minSamples) {
  for (let i = 0, t0 = now(); i < 10 || now() - t0 < 50; i++) fn();
  let reps = 1;
  for (;;) {
    const t0 = now();
    for (let i = 0; i < reps; i++) fn();
    if (now() - t0 >= 1 || reps >= 1 << 14) break;
    reps *= 2;
  }
  globalThis.gc?.();
  const samples = [];
  const end = now() + budgetMs;
  while (samples.length < minSamples || (now() < end && samples.length < 2000)) {
    const t0 = now();
    for (let i = 0; i < reps; i++) fn();
    samples.push((now() - t0) / reps);
  }
  return { medianMs: median(samples), samples: samples.length };
}

// A layer over resident x, dy, y and dx tensors; ops are closures that copy nothing.
function resident(lib, { shape, axis }) {
  const count = shape.reduce((a, b) => a * b, 1);
  const C = axis === 1 ? shape[1] : count / shape[0];
  const tensor = (values) => {
    const t = lib.allocTensor(shape);
    if (values) t.data.set(values);
    return t;
  };
  const [x, dy, y, dx] = [tensor(random(count, 1)), tensor(random(count, 2)), tensor(), tensor()];
  const bn = new lib.BatchNormalization(random(C, 3).map((v) => v + 2), random(C, 4), 0.9, null, null, { axis });
  bn.forward(x, true, y); // backward needs a training forward
  return {
    count,
    ops: { train: () => bn.forward(x, true, y), infer: () => bn.forward(x, false, y), backward: () => bn.backward(dy, dx) },
    dispose() {
      bn.dispose();
      [x, dy, y, dx].forEach((t) => t.dispose());
    },
  };
}

// Each part's workloads, ops and sampling budget (ms per op).
function partWorkloads(part, quick) {
  return part === 'main'
    ? MAIN.map((w) => ({ ...w, ops: ['train', 'infer', 'backward'], budget: quick ? 150 : 500, min: quick ? 5 : 15 }))
    : CROSSOVER_N.map((N) => ({ name: `[${N}, ${CROSSOVER_D}]`, shape: [N, CROSSOVER_D], ops: ['train', 'infer'], budget: quick ? 80 : 250, min: 15 }));
}

/** About how long one child runs, in seconds: its budgets, 60 ms of warm-up an op, 1 s to start. */
export function childSeconds(part, quick) {
  return 1 + partWorkloads(part, quick).reduce((s, w) => s + w.ops.length * (w.budget + 60) / 1e3, 0);
}

/** Runs one part with `threads`; resolves with { info, results: [{ workload, count, op, medianMs, samples }] }. */
export async function runChild({ threads, part, quick }) {
  // The crossover part splits every size (threshold 1 element per thread) through a
  // patched copy of dist, so that both sides of the library's threshold are measured.
  const lib = part === 'crossover' && threads > 1 ? await importPatchedDist(1) : await import('../../dist/index.js');
  const info = threads === 1 ? await lib.init() : await lib.init({ threads });
  const workloads = partWorkloads(part, quick);
  // Disposing the last layer ends the workers; a small layer kept alive keeps them warm.
  const keeper = new lib.BatchNormalization([1], [0]);
  const results = [];
  for (const w of workloads) {
    const r = resident(lib, w);
    for (const op of w.ops) results.push({ workload: w.name, count: r.count, op, ...timeOp(r.ops[op], w.budget, w.min) });
    r.dispose();
  }
  keeper.dispose();
  lib.shutdown();
  return { info, results };
}

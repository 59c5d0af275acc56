// Ours timed as bench/peers/pytorch.py times PyTorch, for the two side by side: the resident
// layer (Wasm tensors in and out) alone in its process, no floor in the same rounds (the core
// bench's floors add their own arrays, which on a VM with a large shared L3 slows every call
// around them). Training forward and inference of the core bench's float32 workloads; ms per
// call, median (minimum): a 250 ms warm-up, samples of at least 0.5 ms, 15 at least over 2 s.
// From the repository root, after npm run build:
//   node scripts/with-node.mjs 26 -- node bench/peers/ours-alone.mjs [NAME]
import { allocTensor, BatchNormalization, init } from '../../dist/index.js';
import { random, WORKLOADS } from '../workloads.mjs';
import { machineLine } from '../lib/results.mjs';

const only = process.argv[2];
const now = () => performance.now();

function timed(fn, budgetMs = 2000) {
  const warm = now() + 250;
  while (now() < warm) fn();
  let reps = 1;
  for (;;) {
    const t0 = now();
    for (let i = 0; i < reps; i++) fn();
    if (now() - t0 >= 0.5 || reps >= 65536) break;
    reps *= 2;
  }
  const samples = [];
  const end = now() + budgetMs;
  while (now() < end || samples.length < 15) {
    const t0 = now();
    for (let i = 0; i < reps; i++) fn();
    samples.push((now() - t0) / reps);
  }
  samples.sort((a, b) => a - b);
  return [samples[samples.length >> 1], samples[0]];
}

await init();
console.log(`machine: ${machineLine()}`);
console.log('| workload | op | ours ms (min) |');
console.log('| --- | --- | ---: |');
for (const w of WORKLOADS.filter((w) => !w.dtype && !w.ops && (!only || w.name.includes(only)))) {
  const { shape, axis } = w;
  const count = shape.reduce((a, b) => a * b, 1);
  const C = axis === 1 ? shape[1] : axis === -1 ? shape[shape.length - 1] : count / shape[0];
  const [x, y] = [allocTensor(shape), allocTensor(shape)];
  x.data.set(random(count, 1));
  const bn = new BatchNormalization(random(C, 3).map((v) => v + 2), random(C, 4), 0.9, null, null, { axis });
  bn.forward(x, true, y);
  for (const [op, fn] of [['train', () => bn.forward(x, true, y)], ['infer', () => bn.forward(x, false, y)]]) {
    const [median, min] = timed(fn);
    const f = (v) => v.toFixed(v < 0.1 ? 4 : 3);
    console.log(`| ${w.name} | ${op} | ${f(median)} (${f(min)}) |`);
  }
  bn.dispose();
  x.dispose();
  y.dispose();
}

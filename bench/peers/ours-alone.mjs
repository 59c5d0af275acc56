// Ours timed as bench/peers/pytorch.py times PyTorch, for the two side by side: the resident
// layer (Wasm tensors in and out) alone in its process, no floor in the same rounds (the core
// bench's floors add their own arrays, which on a VM with a large shared L3 slows every call
// around them). Training forward and inference of the core bench's float32 workloads; ms per
// call, median (minimum): each alone through lib/interleave.mjs (a 250 ms warm-up, samples of
// at least 0.5 ms, 15 at least over 2 s).
// From the repository root, after npm run build:
//   node scripts/with-node.mjs 26 -- node bench/peers/ours-alone.mjs [NAME]
import { allocTensor, BatchNormalization, init } from '../../dist/index.js';
import { interleaved } from '../lib/interleave.mjs';
import { machineLine } from '../lib/results.mjs';
import { random, sizesOf, WORKLOADS } from '../workloads.mjs';

const only = process.argv[2];
await init();
console.log(`machine: ${machineLine()}`);
console.log('| workload | op | ours ms (min) |');
console.log('| --- | --- | ---: |');
for (const w of WORKLOADS.filter((w) => !w.dtype && !w.ops && (!only || w.name.includes(only)))) {
  const { shape, axis } = w;
  const { count, C } = sizesOf(w);
  const [x, y] = [allocTensor(shape), allocTensor(shape)];
  x.data.set(random(count, 1));
  const bn = new BatchNormalization(random(C, 3).map((v) => v + 2), random(C, 4), 0.9, null, null, { axis });
  bn.forward(x, true, y);
  for (const [op, fn] of [['train', () => bn.forward(x, true, y)], ['infer', () => bn.forward(x, false, y)]]) {
    const [{ medianMs, minMs }] = interleaved([fn], { budgetMs: 2000 });
    const f = (v) => v.toFixed(v < 0.1 ? 4 : 3);
    console.log(`| ${w.name} | ${op} | ${f(medianMs)} (${f(minMs)}) |`);
  }
  bn.dispose();
  x.dispose();
  y.dispose();
}

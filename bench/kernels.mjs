// npm run bench:kernels: the Wasm kernels called directly, one step at a time, over the core
// bench's layouts and two that fit in cache, each as its time over the Wasm copy loop of the
// same x bytes (bench/floor/copy-loop.ts), the calls interleaved and the medians taken, so
// that a noisy machine moves both alike; each kernel runs the plan table's driver for the
// layout (src/wasm/plan.ts). The kernel-level view behind the layer numbers of
// `npm run bench`, and the A/B harness for a kernel change:
//   node bench/kernels.mjs                  this build (build/batchnorm.wasm)
//   node bench/kernels.mjs A.wasm B.wasm    two builds over the same buffers: B's time / A's
//   --only=TEXT                             only the layouts whose name contains TEXT
import { readFileSync } from 'node:fs';
import { WasmHeap } from '../dist/wasm/heap.js';
import { createMemory } from '../dist/wasm/instantiate.js';
import { partialBytes, scratchPartial, secondPartial } from '../dist/wasm/abi.js';
import { planFor } from '../dist/wasm/plan.js';
import { copyLoop } from './floor/copy-loop.mjs';
import { machineLine } from './lib/results.mjs';
import { random } from './workloads.mjs';
import { median } from './lib/stats.mjs';

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice(7);
const builds = args.filter((a) => !a.startsWith('--'));
const memory = createMemory();
const instance = (path) => new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), { env: { memory } }).exports;
const kernels = (builds.length ? builds : [new URL('../build/batchnorm.wasm', import.meta.url)]).map(instance);
const heap = new WasmHeap(memory);

// [name, N, C, S]: the [N, C, S] view each layout of bench/workloads.mjs takes.
const LAYOUTS = [
  ['[64, 1024]', 64, 1024, 1], ['[256, 128]', 256, 128, 1], ['[1024, 4096]', 1024, 4096, 1], ['[32, 64, 56, 56] book', 32, 200704, 1],
  ['[32, 64, 56, 56] NCHW', 32, 64, 3136], ['[32, 56, 56, 64] NHWC', 100352, 64, 1], ['[8192, 256]', 8192, 256, 1],
];

// n floats at ptr: the core bench's inputs (workloads.mjs: random), moved by offset.
function fill(ptr, n, seed, offset = 0) {
  new Float32Array(memory.buffer, ptr, n).set(random(n, seed).map((v) => v + offset));
}

console.log(`machine: ${machineLine()}`);
console.log(builds.length === 2 ? `A ${builds[0]}, B ${builds[1]}: time / copy loop time, and B / A` : 'time / copy loop time');
for (const [name, N, C, S] of LAYOUTS.filter((l) => !only || l[0].includes(only))) {
  const count = N * C * S;
  const [x, y, dy, dx] = Array.from({ length: 4 }, () => heap.alloc(count * 4));
  fill(x, count, 1, 3);
  fill(dy, count, 2);
  const ch = Array.from({ length: 8 }, (_, i) => { const p = heap.alloc(C * 4); fill(p, C, 3 + i, i < 2 ? 2 : 0); return p; });
  const [center, scale, bias, ka, kb, kc, gamma, beta] = ch;
  // One share's partial results and scratch (src/wasm/abi.ts), with room for the five f32
  // arrays of C that builds before the plan table took as scratch, for A/B runs against them.
  const acc = heap.alloc(Math.max(partialBytes(C), C * 36));
  const [mean, m2, scratch] = [acc, secondPartial(acc, C), scratchPartial(acc, C)];
  const plan = (op) => planFor(op, N, C, S);
  const steps = {
    stats: (k) => k.stats(x, N, C, S, mean, m2, scratch, plan('stats')),
    trainFinalize: (k) => k.trainFinalize(C, N * S, mean, m2, gamma, beta, ka, kb, 0.9, 1e-5, 0, center, kc, scale, bias, dx),
    normalize: (k) => k.normalize(x, y, N, C, S, center, scale, bias, 0, plan('normalize')),
    backwardReduce: (k) => k.backwardReduce(x, dy, N, C, S, center, scale, bias, mean, m2, scratch, 0, plan('backwardReduce')),
    backwardFinalize: (k) => k.backwardFinalize(C, N * S, gamma, kc, scale, mean, m2, gamma, beta, ka, kb, kc),
    backwardApply: (k) => k.backwardApply(x, dy, dx, N, C, S, center, scale, bias, ka, kb, kc, 0, plan('backwardApply')),
  };
  const copy = await copyLoop(count);
  const reps = count > 1e6 ? 41 : 801;
  const cells = [];
  let copyScale = 0; // the first step's copy loop median, for the line's absolute scale
  for (const [step, run] of Object.entries(steps)) {
    const fns = [copy, ...kernels.map((k) => () => run(k))];
    const times = fns.map(() => []);
    for (let r = 0; r < reps + 3; r++) {
      fns.forEach((f, j) => {
        const t0 = performance.now();
        f();
        if (r >= 3) times[j].push(performance.now() - t0);
      });
    }
    const [copyMs, ...ms] = times.map(median);
    copyScale ||= copyMs;
    const ratios = ms.map((m) => (m / copyMs).toFixed(2)).join(' ');
    cells.push(`${step} ${ratios}${ms.length === 2 ? ` (B/A ${(ms[1] / ms[0]).toFixed(2)})` : ''}`);
  }
  console.log(`${name}: copy loop ${(copyScale * 1e3).toFixed(0)} us | ${cells.join(' | ')}`);
  for (const p of [x, y, dy, dx, acc, ...ch]) heap.release(p);
}


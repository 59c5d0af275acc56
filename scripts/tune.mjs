// npm run tune: measures which loop shape (assembly/drivers.ts) each O(N*C*S) kernel runs
// fastest on this machine, FFTW_MEASURE-style, and writes the plan table the library reads
// (src/wasm/plan-table.ts) with the machine line and Node version it was measured on.
//   - S == 1, per kernel, for rows of up to 16, 64, 256, 1024, 4096 and more features, in cache
//     (a 256 KiB tensor) and past it (16 MiB; ROW_CLASSES): every V (vectors a step: 2, 4) and R (rows
//     a step: 1 to 32), timed interleaved, the fastest kept (by its minimum, ties within
//     5% by the median);
//   - S > 1, per kernel, on NCHW-like runs of 3136: every V;
//   - slabs (src/wasm/slabs.ts): the slab's bytes (128 KiB to 1 MiB, or none) for the book's
//     [32, 200704] training forward and backward, then the most rows at which slabs still win.
// Prints every candidate's time over the Wasm copy loop of the same bytes, measured in the
// same rounds. `npm run tune` runs it on the current Node LTS (scripts/with-node.mjs); then
// `npm run build` takes the new table in.
//   --quick   a smoke run: short sampling, and the table is printed, not written
import { writeFileSync } from 'node:fs';
import { copyLoop } from '../bench/floor/copy-loop.mjs';
import { interleaved } from '../bench/lib/interleave.mjs';
import { machineLine } from '../bench/lib/results.mjs';
import { fastestOf } from '../bench/lib/stats.mjs';
import { random } from '../bench/workloads.mjs';
import { partialBytes, scratchPartial, secondPartial } from '../dist/wasm/abi.js';
import { WasmHeap } from '../dist/wasm/heap.js';
import { createMemory, instantiateKernelsSync } from '../dist/wasm/instantiate.js';
import { PLAN_OPS, planWord } from '../dist/wasm/plan.js';

const quick = process.argv.includes('--quick');
const budgetMs = quick ? 60 : 1000;
const memory = createMemory();
const { kernels: k } = instantiateKernelsSync(undefined, memory);
const heap = new WasmHeap(memory);

const IN_CACHE_BYTES = 1 << 20; // L2 of one core here; the in-cache candidates use 256 KiB
// [maxC, the [N, C] timed in cache (256 KiB) and past it (16 MiB)]. The widest rows come from
// 4D tensors normalised per element (the book's layout), which have few rows: timed as such
// ([256, 16384] had picked 8 rows a step, which ran the book's [32, 200704] inference 1.4x
// slower than 4 rows, by the minimum of interleaved runs).
const ROW_CLASSES = [
  [16, [4096, 16], [262144, 16]], [64, [1024, 64], [65536, 64]], [256, [256, 256], [16384, 256]],
  [1024, [64, 1024], [4096, 1024]], [4096, [16, 4096], [1024, 4096]], [2 ** 31 - 1, [4, 16384], [32, 131072]],
];
const DRIVERS = [2, 4].flatMap((V) => [1, 2, 4, 8, 16, 32].map((R) => ({ V, R })));
const RUN_DRIVERS = [2, 4].map((V) => ({ V, R: 1 }));
const name = (d) => `V${d.V} R${d.R}`;
const NEAR = 0.05; // minimums this close (5%) count as a tie, decided by the median

function fill(ptr, n, seed, offset = 0) {
  new Float32Array(memory.buffer, ptr, n).set(random(n, seed).map((v) => v + offset));
}

// The buffers of one [N, C, S] problem, and each kernel's call with a plan word.
function problem(N, C, S) {
  const count = N * C * S;
  const [x, y, dy] = [0, 1, 2].map(() => heap.alloc(count * 4));
  fill(x, count, 1, 3);
  fill(dy, count, 2);
  const ch = Array.from({ length: 6 }, (_, i) => { const p = heap.alloc(C * 4); fill(p, C, 3 + i, i === 1 ? 2 : 0); return p; });
  const [center, scale, bias, ka, kb, kc] = ch;
  const acc = heap.alloc(partialBytes(C));
  const [mean, m2, scratch] = [acc, secondPartial(acc, C), scratchPartial(acc, C)];
  const calls = {
    stats: (plan) => () => k.stats(x, N, C, S, mean, m2, scratch, plan),
    normalize: (plan) => () => k.normalize(x, y, N, C, S, center, scale, bias, 0, plan),
    backwardReduce: (plan) => () => k.backwardReduce(x, dy, N, C, S, center, scale, bias, mean, m2, scratch, 0, plan),
    backwardApply: (plan) => () => k.backwardApply(x, dy, y, N, C, S, center, scale, bias, ka, kb, kc, 0, plan),
  };
  return { count, calls, release: () => [x, y, dy, acc, ...ch].forEach((p) => heap.release(p)) };
}

// Times the candidates of one kernel on one problem against the copy loop; returns the best.
async function pick(label, op, prob, candidates) {
  const copy = await copyLoop(prob.count);
  const fns = [copy, ...candidates.map((d) => prob.calls[op](planWord(d)))];
  const r = interleaved(fns, { budgetMs, minRounds: quick ? 3 : 15 });
  // Ties go to the median (stats.mjs: fastestOf). By the minimum alone, [65536, 64] normalize
  // picked V4 R4 (0.60x the copy loop, median 0.71) over V4 R2 (0.61, median 0.63), and the
  // layer's NHWC inference then took 1.38-1.43x the copy loop against 1.01-1.09x with R2 (two
  // interleaved A/B runs; AMD EPYC, 2 cores, Node v26.12.1).
  const loop = r[0];
  const best = fastestOf(r.slice(1), NEAR);
  const ratio = (i, key) => (r[i + 1][key] / loop[key]).toFixed(2);
  const cells = candidates.map((d, i) => `${name(d)} ${ratio(i, 'minMs')} (${ratio(i, 'medianMs')})`);
  console.log(`${label} ${op}: best ${name(candidates[best])} ${ratio(best, 'minMs')}x the copy loop (${(loop.minMs * 1e3).toFixed(0)} us), min (median) | ${cells.join(', ')}`);
  return candidates[best];
}

console.log(`machine: ${machineLine()}`);
const rows = Object.fromEntries(PLAN_OPS.map((op) => [op, []]));
for (const [maxC, inCache, outOfCache] of ROW_CLASSES) {
  const entry = {};
  for (const [where, [N, C]] of [['inCache', inCache], ['outOfCache', outOfCache]]) {
    const prob = problem(N, C, 1);
    for (const op of PLAN_OPS) {
      const candidates = DRIVERS.filter((d) => d.R <= N);
      (entry[op] ??= { maxC })[where] = await pick(`[${N}, ${C}]`, op, prob, candidates);
    }
    prob.release();
  }
  for (const op of PLAN_OPS) rows[op].push(entry[op]);
}

const runs = {};
{
  const prob = problem(32, 64, 3136 / 2); // 12.8 MiB of NCHW-like runs
  for (const op of PLAN_OPS) runs[op] = await pick('[32, 64, 1568]', op, prob, RUN_DRIVERS);
  prob.release();
}

// Slabs: one training forward (stats, trainFinalize, normalize) or backward (backwardReduce,
// backwardFinalize, backwardApply) as two passes, or slab by slab (trainSlabs, backwardSlabs).
function slabProblem(N, C) {
  const count = N * C;
  const [x, y, dy] = [0, 1, 2].map(() => heap.alloc(count * 4));
  fill(x, count, 1, 3);
  fill(dy, count, 2);
  const ch = Array.from({ length: 15 }, (_, i) => { const p = heap.alloc(C * 4); fill(p, C, 3 + i, i === 1 ? 2 : 0); return p; });
  const [gamma, beta, runMean, runVar, meanHi, meanLo, invstd, alpha, shift, dgamma, dbeta, ka, kb, kc] = ch;
  const acc = heap.alloc(partialBytes(C));
  const [mean, m2, scratch] = [acc, secondPartial(acc, C), scratchPartial(acc, C)];
  const plan = (op, where) => planWord(rowsPlan(op, C, where));
  const train = (slab) => slab
    ? () => k.trainSlabs(x, y, N, C, 1, slab, mean, m2, gamma, beta, runMean, runVar, 0.9, 1e-5, 0, meanHi, meanLo, invstd, alpha, shift, scratch, 0,
      plan('stats', 'outOfCache'), plan('normalize', 'inCache'))
    : () => {
      k.stats(x, N, C, 1, mean, m2, scratch, plan('stats', 'outOfCache'));
      k.trainFinalize(C, N, mean, m2, gamma, beta, runMean, runVar, 0.9, 1e-5, 0, meanHi, meanLo, invstd, alpha, shift);
      k.normalize(x, y, N, C, 1, meanHi, alpha, shift, 0, plan('normalize', 'outOfCache'));
    };
  const backward = (slab) => slab
    ? () => k.backwardSlabs(x, dy, y, N, C, 1, slab, meanHi, alpha, shift, mean, m2, gamma, meanLo, invstd, dgamma, dbeta, ka, kb, kc, scratch, 0,
      plan('backwardReduce', 'outOfCache'), plan('backwardApply', 'inCache'))
    : () => {
      k.backwardReduce(x, dy, N, C, 1, meanHi, alpha, shift, mean, m2, scratch, 0, plan('backwardReduce', 'outOfCache'));
      k.backwardFinalize(C, N, gamma, meanLo, invstd, mean, m2, dgamma, dbeta, ka, kb, kc);
      k.backwardApply(x, dy, y, N, C, 1, meanHi, alpha, shift, ka, kb, kc, 0, plan('backwardApply', 'outOfCache'));
    };
  return { count, train, backward, release: () => [x, y, dy, acc, ...ch].forEach((p) => heap.release(p)) };
}

function rowsPlan(op, C, where) {
  return (rows[op].find((e) => C <= e.maxC) ?? rows[op].at(-1))[where];
}

// Times two passes against slabs of each size (bytes of x, or of x and dy); returns the best size, 0 for none.
async function slabBytes(N, C) {
  const prob = slabProblem(N, C);
  const copy = await copyLoop(prob.count);
  const sizes = [0, 128 << 10, 256 << 10, 512 << 10, 768 << 10, 1 << 20];
  const slabOf = (bytes, tensors) => (bytes ? Math.max(4, Math.floor(bytes / (N * 4 * tensors)) & ~3) : 0);
  const score = sizes.map(() => 0);
  const cells = [];
  for (const [op, tensors] of [['train', 1], ['backward', 2]]) {
    const r = interleaved([copy, ...sizes.map((b) => prob[op](slabOf(b, tensors)))], { budgetMs: budgetMs * 2, minRounds: quick ? 3 : 15 });
    sizes.forEach((_, i) => { score[i] += r[i + 1].minMs / r[1].minMs; });
    cells.push(`${op}: ${sizes.map((b, i) => `${b ? `${b >> 10} KiB` : 'two passes'} ${(r[i + 1].minMs / r[0].minMs).toFixed(2)}`).join(', ')}`);
  }
  prob.release();
  const best = score.indexOf(Math.min(...score));
  console.log(`[${N}, ${C}] slabs (min, x the copy loop's): ${cells.join(' | ')}; best: ${sizes[best] ? `${sizes[best] >> 10} KiB` : 'two passes'}`);
  return sizes[best];
}

const bookBytes = await slabBytes(32, 200704);
let maxRows = 0;
if (bookBytes) {
  // The most rows at which slabs of that size still beat two passes, over about 25 MB each.
  for (const N of [32, 64, 128]) {
    if ((await slabBytes(N, Math.round(6422528 / N / 4) * 4)) === 0) break;
    maxRows = N;
  }
}

const table = {
  measuredOn: machineLine(),
  inCacheBytes: IN_CACHE_BYTES,
  rows,
  runs,
  slab: { bytes: bookBytes || 524288, maxRows },
};
const fmt = (d) => `{ V: ${d.V}, R: ${d.R} }`;
const lines = [
  '// Written by `npm run tune` (scripts/tune.mjs): do not edit by hand; run the tune on the',
  '// machine at hand instead. Read by src/wasm/plan.ts, which gives it its type (PlanTable).',
  'export const PLAN_TABLE = {',
  `  measuredOn: '${table.measuredOn}',`,
  `  inCacheBytes: ${table.inCacheBytes},`,
  '  rows: {',
  ...PLAN_OPS.map((op) => `    ${op}: [\n${rows[op].map((e) => `      { maxC: ${e.maxC}, inCache: ${fmt(e.inCache)}, outOfCache: ${fmt(e.outOfCache)} },`).join('\n')}\n    ],`),
  '  },',
  `  runs: { ${PLAN_OPS.map((op) => `${op}: ${fmt(runs[op])}`).join(', ')} },`,
  `  slab: { bytes: ${table.slab.bytes}, maxRows: ${table.slab.maxRows} },`,
  '} as const;',
  '',
];
if (quick) console.log(`\n${lines.join('\n')}`);
else {
  const file = new URL('../src/wasm/plan-table.ts', import.meta.url);
  writeFileSync(file, lines.join('\n'));
  console.log(`\nwrote src/wasm/plan-table.ts; npm run build takes it in`);
}

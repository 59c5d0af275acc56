// npm run bench: the Wasm backend (copying API and resident tensors) vs the JS fallback vs
// a naive port of the book's loops, for training forward, inference and backward, each
// against two floors timed in the same rounds: the Wasm copy loop of the same bytes
// (bench/floor/copy-loop.ts: 128-bit loads and stores) and memcpy (TypedArray.prototype.set).
// The f64 workloads run float64 layers: their floors copy the same (twice as many) bytes.
// Each implementation of one workload and operation runs interleaved with the floors
// (lib/interleave.mjs); each gets its median and minimum, and its ratios to the floors are
// median over median and minimum over minimum. `npm run bench` runs this on the current Node
// LTS (scripts/with-node.mjs).
// Prints the machine line and tables; with --save writes bench/results/core.json and core.svg.
//   --quick       a smoke run: shorter sampling
//   --only=TEXT   only the workloads whose name contains TEXT
//   --impl=A,B    only these implementations (the floors are always timed)
// It ends with what a synchronized step adds at [1024, 4096] (lib/sync-steps.mjs; npm run
// bench:sync times the other workloads), unless --only or --impl leave that workload out.
import { init } from '../dist/index.js';
import { copyLoop } from './floor/copy-loop.mjs';
import { save, startClock } from './lib/clock.mjs';
import { interleaved } from './lib/interleave.mjs';
import { machineLine, writeChart, writeResults } from './lib/results.mjs';
import { bytesMoved, versus } from './lib/stats.mjs';
import { printSyncRows, SYNC_WORKLOADS, syncStep } from './lib/sync-steps.mjs';
import { elementBytes, OPS, prepare, WORKLOADS } from './workloads.mjs';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const implArg = process.argv.find((a) => a.startsWith('--impl='))?.slice(7);
// Each implementation is timed interleaved with the two floors alone, not with the other
// implementations: the tensors are within reach of this VM's large shared L3, and another
// implementation's arrays in the same rounds moved every call's time, the floors' too (NHWC
// inference: the copy loop 2.6 ms a call beside the resident layer alone, 4.2 ms with the
// f32 in/out layer in the same rounds; Intel Xeon, 2 cores, Node v26.12.1).
const FLOORS = ['memcpy', 'copy loop'];
const keepImpl = (name) => !implArg || FLOORS.includes(name) || implArg.split(',').includes(name);
const workloads = WORKLOADS.filter((w) => !only || w.name.includes(only));
const budgetMs = quick ? 300 : 2500;
const implCount = implArg ? implArg.split(',').length : 6; // prepare() gives at most six besides the floors
const cells = workloads.reduce((n, w) => n + (w.ops ?? OPS).length, 0);

const info = await init();
const machine = machineLine();
console.log(`machine: ${machine}`);
console.log(`backend: ${JSON.stringify(info)}${quick ? ' (quick run)' : ''}`);
// About the budget per workload, operation and set, and a second more for the warm-up of the slow ones.
const done = startClock(`bench: ${cells} workloads x operations`, cells * (implCount + 1) * (budgetMs / 1e3 + 1));
console.log('');
const rows = [];
for (const w of workloads) {
  const { count, impls, dispose } = prepare(w);
  impls['copy loop'] = Object.fromEntries(OPS.map((op) => [op, null]));
  // The copy loop of the same bytes: a float64 workload's count elements are 2 * count floats.
  const copy = await copyLoop(count * (elementBytes(w) / 4));
  for (const op of w.ops ?? OPS) {
    const named = Object.entries(impls).filter(([name]) => keepImpl(name)).map(([name, f]) => [name, name === 'copy loop' ? copy : f[op]]);
    const floors = named.filter(([name]) => FLOORS.includes(name));
    const others = named.filter(([name]) => !FLOORS.includes(name));
    // The floors' own rows come from the first set (with --impl naming none, the floors alone).
    (others.length ? others : [null]).forEach((impl, i) => timeSet(w, op, count, impl ? [impl, ...floors] : floors, i > 0));
  }
  dispose();
}

// Times one set interleaved (an implementation and the floors) and adds a row for each of
// them, with its ratios to this set's floors (the floors' rows unless floorsKnown).
function timeSet(w, op, count, named, floorsKnown) {
  const results = interleaved(named.map(([, fn]) => fn), { budgetMs });
  const floor = (name) => results[named.findIndex(([n]) => n === name)];
  const [loop, memcpy] = [floor('copy loop'), floor('memcpy')];
  named.forEach(([impl], i) => {
    if (floorsKnown && FLOORS.includes(impl)) return;
    const r = results[i];
    rows.push({
      suite: 'core', workload: w.name, op, impl, medianMs: r.medianMs, minMs: r.minMs, samples: r.samples,
      gbps: bytesMoved(op, count, elementBytes(w)) / (r.medianMs * 1e-3) / 1e9,
      vsCopyLoop: r.medianMs / loop.medianMs, vsCopyLoopMin: r.minMs / loop.minMs,
      vsMemcpy: r.medianMs / memcpy.medianMs, vsMemcpyMin: r.minMs / memcpy.minMs,
    });
  });
}

const ms = (v) => (v < 0.1 ? v.toFixed(5) : v.toFixed(3));
console.log('ms per call (median, min); time / copy loop and time / memcpy: median over median (min over min)');
console.log('| workload | op | impl | median ms | min ms | / copy loop | / memcpy |');
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.workload} | ${r.op} | ${r.impl} | ${ms(r.medianMs)} | ${ms(r.minMs)} | ${r.vsCopyLoop.toFixed(2)} (${r.vsCopyLoopMin.toFixed(2)}) | ${r.vsMemcpy.toFixed(2)} (${r.vsMemcpyMin.toFixed(2)}) |`);
}
// Implementations timed in different sets are compared through their ratios to their own set's copy loop.
const at = (w, op, impl) => rows.find((r) => r.workload === w && r.op === op && r.impl === impl)?.vsCopyLoop;
console.log('\n| workload | op | wasm vs js | js vs naive | wasm resident vs wasm (copying) |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const w of new Set(rows.map((r) => r.workload))) {
  for (const op of OPS.filter((op) => at(w, op, 'wasm'))) {
    console.log(`| ${w} | ${op} | ${versus(at(w, op, 'wasm'), at(w, op, 'js'))} | ${versus(at(w, op, 'js'), at(w, op, 'naive'))} | ${versus(at(w, op, 'wasm resident'), at(w, op, 'wasm'))} |`);
  }
}
const syncWorkload = SYNC_WORKLOADS[0];
if (!implArg && (!only || syncWorkload.name.includes(only))) {
  const syncRow = await syncStep(syncWorkload, { rounds: quick ? 5 : 31 });
  console.log('\nA synchronized training step (forward and backward) with an in-process collective of one replica, beside a plain one:');
  printSyncRows([syncRow]);
  rows.push(syncRow);
}
if (save) {
  console.log(`\nwrote ${writeResults('core', { machine, rows })}`);
  console.log(`wrote ${writeChart('core', rows.filter((r) => r.suite === 'core' && r.impl !== 'memcpy' && r.impl !== 'copy loop' && !r.workload.includes('small')))}`);
}
done();

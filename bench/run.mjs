// npm run bench: the Wasm backend (copying API and resident tensors) vs the JS fallback vs
// a naive port of the book's loops vs Float32Array.prototype.set of the same bytes, for
// training forward, inference and backward, with benchmark.js. Prints the machine line and
// tables of medians; with --save writes bench/results/core.json and core.svg.
//   --quick       a smoke run: fewer, shorter samples
//   --only=TEXT   only the workloads whose name contains TEXT
import Benchmark from 'benchmark';
import { init } from '../dist/index.js';
import { save, startClock } from './lib/clock.mjs';
import { machineLine, writeChart, writeResults } from './lib/results.mjs';
import { OPS, prepare, WORKLOADS } from './workloads.mjs';
import { bytesMoved, median, versus } from './lib/stats.mjs';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const workloads = WORKLOADS.filter((w) => !only || w.name.includes(only));
const options = quick ? { maxTime: 0.3, minSamples: 5 } : { maxTime: 1.5, minSamples: 15 };

// Seconds one benchmark takes, sampling included, as measured on the 2-core reference
// machine: the full run's 90 benchmarks took 5.5 min, the quick run of the 6 small ones 6 s.
const SECONDS_PER_BENCHMARK = quick ? 1 : 3.7;
// The implementations prepare() times for a workload: the naive port only for the book's
// layout, the plain JS loop only for the small call.
const implCount = (w) => (w.axis === undefined ? 6 : 5) + (w.loop ? 1 : 0);
const benchmarks = workloads.reduce((n, w) => n + (w.ops ?? OPS).length * implCount(w), 0);

async function timeSuite(fns) {
  const suite = new Benchmark.Suite();
  for (const [name, fn] of fns) {
    suite.add(name, fn, { ...options, onCycle: () => globalThis.gc?.() });
  }
  await new Promise((resolve) => suite.on('complete', resolve).run({ async: true }));
  return suite.map((b) => ({ impl: b.name, medianMs: median(b.stats.sample) * 1e3, samples: b.stats.sample.length }));
}

const info = await init();
const machine = machineLine();
console.log(`machine: ${machine}`);
console.log(`backend: ${JSON.stringify(info)}${quick ? ' (quick run)' : ''}`);
const done = startClock(`bench: ${benchmarks} benchmarks`, benchmarks * SECONDS_PER_BENCHMARK);
console.log('');
const rows = [];
for (const w of workloads) {
  const { count, impls, dispose } = prepare(w);
  for (const op of w.ops ?? OPS) {
    const results = await timeSuite(Object.entries(impls).map(([name, f]) => [name, f[op]]));
    const copyMs = results.find((r) => r.impl === 'memcpy').medianMs;
    for (const r of results) {
      const gbps = bytesMoved(op, count) / (r.medianMs * 1e-3) / 1e9;
      rows.push({ suite: 'core', workload: w.name, op, impl: r.impl, medianMs: r.medianMs, gbps, vsMemcpy: r.medianMs / copyMs, samples: r.samples });
    }
  }
  dispose();
}

console.log('| workload | op | impl | median ms | GB/s | time / memcpy time |');
console.log('| --- | --- | --- | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.workload} | ${r.op} | ${r.impl} | ${r.medianMs < 0.1 ? r.medianMs.toFixed(5) : r.medianMs.toFixed(3)} | ${r.gbps.toFixed(2)} | ${r.vsMemcpy.toFixed(2)} |`);
}
const at = (w, op, impl) => rows.find((r) => r.workload === w && r.op === op && r.impl === impl)?.medianMs;
console.log('\n| workload | op | wasm vs js | js vs naive | wasm resident vs wasm (copying) |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const w of new Set(rows.map((r) => r.workload))) {
  for (const op of OPS.filter((op) => at(w, op, 'wasm'))) {
    console.log(`| ${w} | ${op} | ${versus(at(w, op, 'wasm'), at(w, op, 'js'))} | ${versus(at(w, op, 'js'), at(w, op, 'naive'))} | ${versus(at(w, op, 'wasm resident'), at(w, op, 'wasm'))} |`);
  }
}
if (save) {
  console.log(`\nwrote ${writeResults('core', { machine, rows })}`);
  console.log(`wrote ${writeChart('core', rows.filter((r) => r.impl !== 'memcpy' && !r.workload.includes('small')))}`);
}
done();

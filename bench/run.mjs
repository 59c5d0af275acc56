// npm run bench: the Wasm backend (copying API and resident tensors) vs the JS fallback vs
// a naive port of the book's loops vs Float32Array.prototype.set of the same bytes, for
// training forward, inference and backward, with benchmark.js. Prints the machine line and
// tables of medians; writes bench/results/core.json and core.svg.
import Benchmark from 'benchmark';
import { init } from '../dist/index.js';
import { machineLine, writeChart, writeResults } from './lib/results.mjs';
import { OPS, prepare, WORKLOADS } from './workloads.mjs';
import { bytesMoved, median } from './lib/stats.mjs';

const quick = process.argv.includes('--quick'); // a smoke run: fewer, shorter samples
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7); // a workload name filter



async function timeSuite(fns) {
  const suite = new Benchmark.Suite();
  const options = quick ? { maxTime: 0.3, minSamples: 5 } : { maxTime: 1.5, minSamples: 15 };
  for (const [name, fn] of fns) {
    suite.add(name, fn, { ...options, onCycle: () => globalThis.gc?.() });
  }
  await new Promise((resolve) => suite.on('complete', resolve).run({ async: true }));
  return suite.map((b) => ({ impl: b.name, medianMs: median(b.stats.sample) * 1e3, samples: b.stats.sample.length }));
}

const info = await init();
const machine = machineLine();
console.log(`machine: ${machine}`);
console.log(`backend: ${JSON.stringify(info)}${quick ? ' (quick run)' : ''}\n`);
const rows = [];
for (const w of WORKLOADS.filter((w) => !only || w.name.includes(only))) {
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

console.log('| workload | op | impl | median ms | GB/s | x memcpy |');
console.log('| --- | --- | --- | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.workload} | ${r.op} | ${r.impl} | ${r.medianMs < 0.1 ? r.medianMs.toFixed(5) : r.medianMs.toFixed(3)} | ${r.gbps.toFixed(2)} | ${r.vsMemcpy.toFixed(2)} |`);
}
const at = (w, op, impl) => rows.find((r) => r.workload === w && r.op === op && r.impl === impl)?.medianMs;
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : '-');
console.log('\n| workload | op | wasm vs js | js vs naive | resident vs copying |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const w of new Set(rows.map((r) => r.workload))) {
  for (const op of OPS.filter((op) => at(w, op, 'wasm'))) {
    console.log(`| ${w} | ${op} | ${ratio(at(w, op, 'js'), at(w, op, 'wasm'))} | ${ratio(at(w, op, 'naive'), at(w, op, 'js'))} | ${ratio(at(w, op, 'wasm'), at(w, op, 'wasm resident'))} faster |`);
  }
}
console.log(`\nwrote ${writeResults('core', { machine, rows })}`);
console.log(`wrote ${writeChart('core', rows.filter((r) => r.impl !== 'memcpy' && !r.workload.includes('small')))}`);

// npm run bench: the Wasm backend vs the JS fallback vs a naive port of the book's loops
// vs Float32Array.prototype.set of the same bytes, for training forward, inference and
// backward, with benchmark.js. Prints the machine line and a table of medians; writes
// bench/results/core.json and core.svg.
import Benchmark from 'benchmark';
import { BatchNormalization, init } from '../dist/index.js';
import { machineLine, writeChart, writeResults } from './lib/results.mjs';
import { NaiveBatchNorm } from './naive.mjs';

const quick = process.argv.includes('--quick'); // a smoke run: fewer, shorter samples
const WORKLOADS = [
  [64, 1024],
  [1024, 4096],
  [32, 64, 56, 56],
];
const OPS = ['train', 'infer', 'backward'];

function random(n, seed) {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    out[i] = (s >>> 0) / 4294967296 * 4 - 1;
  }
  return out;
}

function median(sample) {
  const s = [...sample].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// One closure per (implementation, op): the timed call, set up so that backward has a cache.
function cases(shape) {
  const N = shape[0];
  const count = shape.reduce((a, b) => a * b, 1);
  const D = count / N;
  const x = { data: random(count, 1), shape };
  const dy = { data: random(count, 2), shape };
  const gamma = random(D, 3).map((v) => v + 2);
  const beta = random(D, 4);
  const layers = {};
  const fns = {};
  for (const backend of ['wasm', 'js']) {
    const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { backend });
    bn.forward(x);
    layers[backend] = bn;
    fns[backend] = {
      train: () => bn.forward(x, true),
      infer: () => bn.forward(x, false),
      backward: () => bn.backward(dy),
    };
  }
  const naive = new NaiveBatchNorm(gamma, beta);
  naive.forward(x.data, N, D, true);
  fns.naive = {
    train: () => naive.forward(x.data, N, D, true),
    infer: () => naive.forward(x.data, N, D, false),
    backward: () => naive.backward(dy.data, N, D),
  };
  const target = new Float32Array(count);
  const copy = () => target.set(x.data);
  fns.memcpy = { train: copy, infer: copy, backward: copy };
  return { count, fns, dispose: () => Object.values(layers).forEach((l) => l.dispose()) };
}

// Bytes an operation must move at least: x in and y out; backward reads x and dy, writes dx.
const bytesMoved = (op, count) => (op === 'backward' ? 3 : 2) * count * 4;

async function main() {
  const info = await init();
  const machine = machineLine();
  console.log(`machine: ${machine}`);
  console.log(`backend: ${JSON.stringify(info)}${quick ? ' (quick run)' : ''}\n`);
  const rows = [];
  for (const shape of WORKLOADS) {
    const { count, fns, dispose } = cases(shape);
    for (const op of OPS) {
      const suite = new Benchmark.Suite();
      for (const impl of ['wasm', 'js', 'naive', 'memcpy']) {
        suite.add(impl, fns[impl][op], quick ? { maxTime: 0.3, minSamples: 5 } : { maxTime: 2, minSamples: 20 });
      }
      await new Promise((resolve) => suite.on('complete', resolve).run({ async: true }));
      const results = suite.map((b) => ({ impl: b.name, medianMs: median(b.stats.sample) * 1e3, samples: b.stats.sample.length }));
      const copyMs = results.find((r) => r.impl === 'memcpy').medianMs;
      for (const r of results) {
        const gbps = bytesMoved(op, count) / (r.medianMs * 1e-3) / 1e9;
        rows.push({ suite: 'core', workload: `[${shape.join(', ')}]`, op, impl: r.impl, medianMs: r.medianMs, gbps, vsMemcpy: r.medianMs / copyMs, samples: r.samples });
      }
    }
    dispose();
  }
  printTable(rows);
  printRatios(rows);
  console.log(`\nwrote ${writeResults('core', { machine, rows })}`);
  console.log(`wrote ${writeChart('core', rows.filter((r) => r.impl !== 'memcpy'))}`);
}

function printTable(rows) {
  console.log('| workload | op | impl | median ms | GB/s | x memcpy |');
  console.log('| --- | --- | --- | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.workload} | ${r.op} | ${r.impl} | ${r.medianMs.toFixed(3)} | ${r.gbps.toFixed(2)} | ${r.vsMemcpy.toFixed(2)} |`);
  }
}

function printRatios(rows) {
  console.log('\n| workload | op | wasm vs js | js vs naive |');
  console.log('| --- | --- | ---: | ---: |');
  const at = (w, op, impl) => rows.find((r) => r.workload === w && r.op === op && r.impl === impl).medianMs;
  for (const w of new Set(rows.map((r) => r.workload))) {
    for (const op of OPS) {
      console.log(`| ${w} | ${op} | ${(at(w, op, 'js') / at(w, op, 'wasm')).toFixed(2)}x | ${(at(w, op, 'naive') / at(w, op, 'js')).toFixed(2)}x |`);
    }
  }
}

await main();

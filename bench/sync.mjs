// npm run bench:sync: what a synchronized training step (options.collective) costs beyond its
// collective. One layer with an in-process collective of one replica (the all-gather answers
// at once, so what is left is the layer's own work: packing, merging, the backward's second
// pass over the channels) against one without, both stepping through forwardAsync and
// backwardAsync on resident tensors, the steps interleaved in one process; medians and
// minimums over rounds. With --save, bench/results/sync.json.
import { allocTensor, BatchNormalization, init } from '../dist/index.js';
import { save, startClock } from './lib/clock.mjs';
import { machineLine, writeResults } from './lib/results.mjs';
import { median } from './lib/stats.mjs';
import { random } from './workloads.mjs';

const WORKLOADS = [
  { name: '[1024, 4096]', shape: [1024, 4096] },
  { name: '[32, 64, 56, 56] NCHW', shape: [32, 64, 56, 56], axis: 1 },
  { name: '[32, 64, 56, 56] book', shape: [32, 64, 56, 56] },
  { name: '[64, 1024]', shape: [64, 1024] },
];
const ROUNDS = process.argv.includes('--quick') ? 5 : 31;
const solo = { rank: 0, size: 1, allGather: async (local) => [local] };

await init();
const machine = machineLine();
console.log(`machine: ${machine}`);
const done = startClock('bench:sync', WORKLOADS.length * ROUNDS * 0.15);
const rows = [];
for (const w of WORKLOADS) {
  const count = w.shape.reduce((a, b) => a * b);
  const C = w.axis === 1 ? w.shape[1] : count / w.shape[0];
  const tensor = (seed) => {
    const t = allocTensor(w.shape);
    t.data.set(random(count, seed));
    return t;
  };
  const [x, y, dy, dx] = [tensor(1), tensor(2), tensor(3), tensor(4)];
  const layer = (collective) => new BatchNormalization(random(C, 5).map((v) => v + 2), random(C, 6), 0.9, null, null, { axis: w.axis, collective });
  const layers = { plain: layer(undefined), synced: layer(solo) };
  const step = async (bn) => {
    await bn.forwardAsync(x, true, y);
    await bn.backwardAsync(dy, dx);
  };
  // Steps per timing: about 20 ms of work.
  await step(layers.plain);
  const t0 = performance.now();
  await step(layers.plain);
  const reps = Math.max(1, Math.round(20 / (performance.now() - t0)));
  const times = { plain: [], synced: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 ? ['synced', 'plain'] : ['plain', 'synced']) {
      globalThis.gc?.();
      const start = performance.now();
      for (let i = 0; i < reps; i++) await step(layers[name]);
      times[name].push((performance.now() - start) / reps);
    }
  }
  const row = { workload: w.name, plainMs: median(times.plain), syncedMs: median(times.synced), plainMinMs: Math.min(...times.plain), syncedMinMs: Math.min(...times.synced) };
  rows.push(row);
  for (const bn of Object.values(layers)) bn.dispose();
  for (const t of [x, y, dy, dx]) t.dispose();
}

console.log('\n| workload | step ms, plain | step ms, synchronized | added | min plain | min synchronized | added (min) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
const pct = (a, b) => `${(((a - b) / b) * 100).toFixed(1)}%`;
for (const r of rows) {
  console.log(`| ${r.workload} | ${r.plainMs.toFixed(3)} | ${r.syncedMs.toFixed(3)} | ${pct(r.syncedMs, r.plainMs)} | ${r.plainMinMs.toFixed(3)} | ${r.syncedMinMs.toFixed(3)} | ${pct(r.syncedMinMs, r.plainMinMs)} |`);
}
if (save) console.log(`wrote ${writeResults('sync', { machine, rows })}`);
done();

// What a synchronized training step (options.collective) costs beyond its collective: one layer
// with an in-process collective of one replica (the all-gather answers at once, so what is left
// is the layer's own work: packing, merging, the backward's second pass over the channels)
// against one without, both stepping through forwardAsync and backwardAsync on resident
// tensors. The two alternate within each round, so that a slow window of the shared machine
// falls on both; each gets its median and minimum over rounds, and the pair their median
// per-round ratio. Used by bench/sync.mjs (every workload) and bench/run.mjs ([1024, 4096]).
import { allocTensor, BatchNormalization } from '../../dist/index.js';
import { median } from './stats.mjs';
import { random, sizesOf } from '../workloads.mjs';

export const SYNC_WORKLOADS = [
  { name: '[1024, 4096]', shape: [1024, 4096] },
  { name: '[32, 64, 56, 56] NCHW', shape: [32, 64, 56, 56], axis: 1 },
  { name: '[32, 64, 56, 56] book', shape: [32, 64, 56, 56] },
  { name: '[64, 1024]', shape: [64, 1024] },
];

const solo = { rank: 0, size: 1, allGather: async (local) => [local] };

/** Times one workload; with control, both layers are plain (an A/A run: the machine's noise). */
export async function syncStep(w, { rounds, control = false }) {
  const { count, C } = sizesOf(w);
  const tensor = (seed) => {
    const t = allocTensor(w.shape);
    t.data.set(random(count, seed));
    return t;
  };
  const [x, y, dy, dx] = [tensor(1), tensor(2), tensor(3), tensor(4)];
  const layer = (collective) => new BatchNormalization(random(C, 5).map((v) => v + 2), random(C, 6), 0.9, null, null, { axis: w.axis, collective });
  const layers = { plain: layer(undefined), synced: layer(control ? undefined : solo) };
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
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 ? ['synced', 'plain'] : ['plain', 'synced']) {
      globalThis.gc?.();
      const start = performance.now();
      for (let i = 0; i < reps; i++) await step(layers[name]);
      times[name].push((performance.now() - start) / reps);
    }
  }
  for (const bn of Object.values(layers)) bn.dispose();
  for (const t of [x, y, dy, dx]) t.dispose();
  const ratios = times.synced.map((t, r) => t / times.plain[r]);
  return {
    suite: 'sync', workload: w.name, control, rounds,
    plainMs: median(times.plain), syncedMs: median(times.synced),
    plainMinMs: Math.min(...times.plain), syncedMinMs: Math.min(...times.synced),
    pairedRatio: median(ratios),
  };
}

export function printSyncRows(rows) {
  const pct = (a, b) => `${(((a - b) / b) * 100).toFixed(1)}%`;
  console.log('\n| workload | step ms, plain | step ms, synchronized | added | min plain | min synchronized | added (min) | added (median of paired rounds) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.workload} | ${r.plainMs.toFixed(3)} | ${r.syncedMs.toFixed(3)} | ${pct(r.syncedMs, r.plainMs)} | ${r.plainMinMs.toFixed(3)} | ${r.syncedMinMs.toFixed(3)} | ${pct(r.syncedMinMs, r.plainMinMs)} | ${pct(r.pairedRatio, 1)} |`);
  }
}

// npm run bench:sync: what a synchronized training step costs beyond its collective, on every
// workload of lib/sync-steps.mjs (npm run bench times [1024, 4096] only). Medians, minimums and
// the median of the paired rounds' ratios. With --save, bench/results/sync.json.
//   --quick       a smoke run: 5 rounds
//   --only=TEXT   only the workloads whose name contains TEXT
//   --aa          the control: two plain layers, to read the machine's own noise
import { init } from '../dist/index.js';
import { save, startClock } from './lib/clock.mjs';
import { machineLine, writeResults } from './lib/results.mjs';
import { printSyncRows, SYNC_WORKLOADS, syncStep } from './lib/sync-steps.mjs';

const rounds = process.argv.includes('--quick') ? 5 : 31;
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const control = process.argv.includes('--aa');
const workloads = SYNC_WORKLOADS.filter((w) => !only || w.name.includes(only));

await init();
const machine = machineLine();
console.log(`machine: ${machine}`);
if (control) console.log('control (--aa): both layers plain');
const done = startClock('bench:sync', workloads.length * rounds * 0.15);
const rows = [];
for (const w of workloads) rows.push(await syncStep(w, { rounds, control }));
printSyncRows(rows);
if (save) console.log(`wrote ${writeResults(control ? 'sync-control' : 'sync', { machine, rows })}`);
done();

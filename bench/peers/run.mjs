// Peer bench: ours vs tfjs (wasm, cpu) and onnxruntime (node, web) on the same BatchNormalization
// workloads. Checks every output against ours (ours against a float64 reference), times the
// median ms per call, prints a table, and with --save writes bench/results/peers.{json,svg}.
// Run from the repository root: npm run bench:peers (after npm run build); --expose-gc is optional.
// Exit code 1 when an implementation disagrees or fails to load.
import { save, startClock } from '../lib/clock.mjs';
import { machineLine, writeChart, writeResults } from '../lib/results.mjs';
import { versus } from '../lib/stats.mjs';
import { assertAgrees } from './check.mjs';
import * as ours from './impls/ours.mjs';
import * as ort from './impls/ort.mjs';
import * as tfjs from './impls/tfjs.mjs';
import { referenceForward } from './reference.mjs';
import { formatTable } from './table.mjs';
import { medianMs } from './timing.mjs';
import { OPS, WORKLOADS, geometry, makeInputs } from './workloads.mjs';

// Adapter contract: create() -> { impl, prepare(workload, op, inputs) -> case | { skip } };
// case: { run(): void | Promise, output(): { y, runningMean?, runningVar? } of one forward, dispose() }.
// The first entry is the reference the others are checked and compared against.
const IMPLS = [
  ['ours-wasm', () => ours.create('wasm')],
  ['ours-js', () => ours.create('js')],
  ['tfjs-wasm', () => tfjs.create('wasm')],
  ['tfjs-cpu', () => tfjs.create('cpu')],
  ['onnxruntime-node', () => ort.create('node')],
  ['onnxruntime-web', () => ort.create('web')],
];
const TARGETS = [['onnxruntime-node', 10], ['tfjs-wasm', 30]]; // the issue's goals on [1024, 4096]

const failures = [];
const notes = [];
const machine = machineLine();
console.log(`machine: ${machine}`);

// BENCH_ONLY=ours-wasm,tfjs-wasm runs a subset, for quick looks: it writes no results files.
const only = process.env.BENCH_ONLY?.split(',');
const adapters = [];
for (const [key, create] of IMPLS.filter(([key]) => !only || only.includes(key))) {
  try {
    adapters.push({ key, ...(await create()) });
  } catch (err) {
    failures.push(`${key}: failed to load: ${err.message}`);
    console.log(`! ${key}: failed to load: ${err.message}`);
  }
}
console.log(`implementations: ${adapters.map((a) => a.impl).join('; ')}`);
// From the timing budgets (timing.mjs: 0.25 s of warm-up and 1.2 s of samples a case, plus
// loading), and tfjs-cpu's training calls, which take about 1-2 s each and at least 7 runs.
const cases = adapters.length * WORKLOADS.length * OPS.length;
const done = startClock(`bench:peers: ${cases} cases`, cases * 1.6 + (adapters.some((a) => a.key === 'tfjs-cpu') ? 20 : 0));
console.log('');

const rows = [];
const oursMs = new Map(); // `${workload}|${op}` -> ours-wasm median ms
const rowKey = new Map(); // row -> adapter key, for the speedup column and the targets

for (const workload of WORKLOADS) {
  const inp = makeInputs(workload);
  const bytes = 2 * 4 * geometry(workload).count; // x read + y written, float32
  for (const op of OPS) {
    const ref = referenceForward(workload, op, inp);
    let oursOut = null;
    for (const a of adapters) {
      const label = `${workload.name} ${op} ${a.impl}`;
      let c;
      try {
        c = await a.prepare(workload, op, inp);
      } catch (err) {
        failures.push(`${label}: ${err.message}`);
        console.log(`! ${label}: ${err.message}`);
        continue;
      }
      if (c.skip) {
        notes.push(`${label}: skipped: ${c.skip}`);
        console.log(`- ${label}: skipped: ${c.skip}`);
        continue;
      }
      try {
        await c.run();
        const out = c.output();
        // Ours is checked against float64; everyone else against ours (float64 when ours cannot run it).
        const isRef = a.key === 'ours-wasm';
        const against = isRef || !oursOut ? ref : oursOut;
        const err = assertAgrees(label, out, against);
        if (isRef) oursOut = out;
        globalThis.gc?.(); // with node --expose-gc: start each timing without the last case's garbage
        const ms = await medianMs(c.run);
        const impl = a.impl + (c.mode ? `, ${c.mode}` : '');
        const row = { suite: 'peers', workload: workload.name, op, impl, medianMs: ms, gbps: bytes / (ms * 1e6) };
        rows.push(row);
        rowKey.set(row, a.key);
        if (isRef) oursMs.set(`${workload.name}|${op}`, ms);
        console.log(`  ${label}: ${ms.toFixed(3)} ms (max rel err vs ${against === ref ? 'float64 ref' : 'ours'} ${err.toExponential(1)})`);
      } catch (err) {
        failures.push(`${label}: ${err.message}`);
        console.log(`! ${label}: ${err.message}`);
      } finally {
        await c.dispose();
      }
    }
  }
}

// How ours compares with each peer: "12.30x faster" (or "slower": said as it is).
const speedup = (r) => {
  const base = oursMs.get(`${r.workload}|${r.op}`);
  if (!base || rowKey.get(r) === 'ours-wasm') return '-';
  return versus(base, r.medianMs);
};
console.log(`\nmachine: ${machine}`);
console.log(formatTable(rows, speedup));

// The issue's targets, reported as measured.
console.log('\ntargets on [1024, 4096] (ours-wasm at least this many times faster):');
for (const [peer, goal] of TARGETS) {
  for (const op of OPS) {
    const r = rows.find((x) => x.workload === '[1024, 4096]' && x.op === op && rowKey.get(x) === peer);
    const ours = r && oursMs.get(`${r.workload}|${op}`);
    const s = ours ? r.medianMs / ours : NaN;
    console.log(`  ${goal}x faster than ${peer}, ${op}: ${Number.isNaN(s) ? 'not measured' : `${versus(ours, r.medianMs)}: ${s >= goal ? 'MET' : 'NOT MET'}`}`);
  }
}
for (const n of notes) console.log(`note: ${n}`);

if (failures.length) {
  console.error(`\nFAILED (${failures.length}); results not written:\n  ${failures.join('\n  ')}`);
  done();
  process.exit(1);
}
if (only && save) {
  console.log('\nBENCH_ONLY set: results files not written');
} else if (save) {
  console.log(`\nwrote ${writeResults('peers', { machine, rows })}`);
  console.log(`wrote ${writeChart('peers', rows)}`);
}
done();

// npm run bench:threads: 1 vs N threads (init({ threads })) on resident tensors, for
// training forward, inference and backward on [1024, 4096] and NCHW [32, 64, 56, 56],
// plus the crossover on [N, 1024] where 2 threads start to beat 1.
//   --threads=1,2,4,8  thread counts (default 1,2; more threads than cores still runs)
//   --rounds=R         child runs per thread count and part, interleaved (default 5): the
//                      table shows the median of the runs' medians and their range
//   --quick            a smoke run: one round, short samples
// Each thread count runs in its own child process (this file with --child), since the
// library's runtime is per module instance. Prints the machine line and markdown tables;
// with --save writes bench/results/threads.json.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MIN_ELEMENTS_PER_THREAD } from '../dist/threads/threaded-runner.js';
import { save, startClock } from './lib/clock.mjs';
import { machineLine, writeResults } from './lib/results.mjs';
import { childSeconds, CROSSOVER_D, CROSSOVER_N, runChild } from './threads/child.mjs';
import { bytesMoved, median } from './lib/stats.mjs';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = process.argv.includes('--quick');
const counts = (arg('threads') ?? '1,2').split(',').map(Number);
if (!counts.every((n) => Number.isSafeInteger(n) && n >= 1)) throw new Error(`--threads: a list of counts like 1,2,4; got ${arg('threads')}`);

if (process.argv.includes('--child')) {
  // The result is the last line of stdout.
  const out = await runChild({ threads: counts[0], part: arg('part'), quick });
  process.stdout.write(`\n${JSON.stringify(out)}\n`);
  process.exit(0);
}

if (!counts.includes(1)) counts.unshift(1); // speed-ups are against 1 thread
const rounds = quick ? 1 : Number(arg('rounds') ?? 5);
if (!(Number.isSafeInteger(rounds) && rounds >= 1)) throw new Error(`--rounds: a count from 1; got ${arg('rounds')}`);
const self = fileURLToPath(import.meta.url);

function child(threads, part) {
  return new Promise((resolve, reject) => {
    const args = ['--expose-gc', self, '--child', `--threads=${threads}`, `--part=${part}`, ...(quick ? ['--quick'] : [])];
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`child --threads=${threads} --part=${part} exited with ${code}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)));
    });
  });
}


const machine = machineLine();
console.log(`machine: ${machine}`);
console.log(`threads: ${counts.join(', ')}; ${rounds} round(s), interleaved${quick ? ' (quick run)' : ''}`);
const done = startClock(`bench:threads: ${rounds * 2 * counts.length} child runs`, rounds * counts.length * (childSeconds('main', quick) + childSeconds('crossover', quick)));
console.log('');

// runs.get(`${part}|${workload}|${op}|${threads}`) = one median per round.
const runs = new Map();
const meta = new Map(); // key without threads -> { part, workload, op, count }
const started = Date.now();
for (let round = 0; round < rounds; round++) {
  for (const part of ['main', 'crossover']) {
    for (const threads of counts) {
      const { info, results } = await child(threads, part);
      if ((info.threads ?? 1) !== threads) throw new Error(`asked for ${threads} threads, init() gave ${JSON.stringify(info)}`);
      for (const r of results) {
        const key = `${part}|${r.workload}|${r.op}`;
        meta.set(key, { part, workload: r.workload, op: r.op, count: r.count });
        const k = `${key}|${threads}`;
        runs.set(k, [...(runs.get(k) ?? []), r.medianMs]);
      }
    }
  }
  process.stderr.write(`round ${round + 1}/${rounds} done (${((Date.now() - started) / 1e3).toFixed(0)} s)\n`);
}

const label = (n) => `${n} thread${n === 1 ? '' : 's'}`;
const ms = (v) => (v < 0.1 ? v.toFixed(4) : v.toFixed(3));
const rows = [];
const cell = (key, n) => {
  const xs = runs.get(`${key}|${n}`);
  return rounds > 1 ? `${ms(median(xs))} (${ms(Math.min(...xs))}–${ms(Math.max(...xs))})` : ms(xs[0]);
};
// The time ratio 1 thread / N threads (above 1: N threads are faster) from the medians, and
// its range over the rounds' pairs (run i vs run i).
const ratio = (key, n) => {
  const one = runs.get(`${key}|1`), many = runs.get(`${key}|${n}`);
  const pairs = one.map((v, i) => v / many[i]);
  const s = (median(one) / median(many)).toFixed(2);
  return rounds > 1 ? `${s} (${Math.min(...pairs).toFixed(2)}–${Math.max(...pairs).toFixed(2)})` : s;
};
const OPNAME = { train: 'training forward', infer: 'inference', backward: 'backward' };
const many = counts.filter((n) => n > 1);

function table(part, first) {
  const keys = [...meta.keys()].filter((k) => meta.get(k).part === part);
  const lines = [
    `| ${first.header} | op | ${counts.map((n) => `${label(n)} ms`).join(' | ')} | ${many.map((n) => `1 thread / ${n} threads`).join(' | ')} |`,
    `| ${first.align} | --- | ${counts.map(() => '---:').join(' | ')} | ${many.map(() => '---:').join(' | ')} |`,
  ];
  for (const key of keys) {
    const m = meta.get(key);
    lines.push(`| ${first.cell(m)} | ${OPNAME[m.op]} | ${counts.map((n) => cell(key, n)).join(' | ')} | ${many.map((n) => ratio(key, n)).join(' | ')} |`);
    for (const n of counts) {
      const xs = runs.get(`${key}|${n}`);
      const medianMs = median(xs);
      rows.push({
        suite: 'threads', workload: part === 'crossover' ? `${m.workload} (split forced)` : m.workload, op: m.op, impl: label(n),
        medianMs, gbps: bytesMoved(m.op, m.count) / (medianMs * 1e-3) / 1e9, runsMs: xs,
      });
    }
  }
  console.log(lines.join('\n'));
}

console.log(`Resident tensors; ms per call: median of ${rounds} run(s)${rounds > 1 ? ' (min–max)' : ''}; "1 thread / N threads" is the ratio of the times${rounds > 1 ? ' (range over runs)' : ''}: above 1, N threads are faster.\n`);
table('main', { header: 'workload', align: '---', cell: (m) => m.workload });

console.log(`\nCrossover on [N, ${CROSSOVER_D}]: every size split over the threads (a copy of dist with the threshold at 1 element per thread).`);
console.log(`The library's threshold: ${MIN_ELEMENTS_PER_THREAD} elements per thread, so 2 threads from ${2 * MIN_ELEMENTS_PER_THREAD} elements ([${(2 * MIN_ELEMENTS_PER_THREAD) / CROSSOVER_D}, ${CROSSOVER_D}]).\n`);
table('crossover', { header: 'N | elements', align: '---: | ---:', cell: (m) => `${m.workload.slice(1).split(',')[0]} | ${m.count}` });
for (const n of many) {
  for (const op of ['train', 'infer']) {
    // The smallest N from which N threads win at every larger size too.
    const wins = CROSSOVER_N.map((N) => {
      const key = `crossover|[${N}, ${CROSSOVER_D}]|${op}`;
      return median(runs.get(`${key}|${n}`)) < median(runs.get(`${key}|1`));
    });
    const from = wins.findIndex((_, i) => wins.slice(i).every(Boolean));
    const at = from < 0 ? `not within N <= ${CROSSOVER_N.at(-1)}` : `from [${CROSSOVER_N[from]}, ${CROSSOVER_D}] (${CROSSOVER_N[from] * CROSSOVER_D} elements)`;
    console.log(`${label(n)} beat 1 on ${OPNAME[op]} ${at}`);
  }
}

if (save) console.log(`\nwrote ${writeResults('threads', { machine, rows })}`);
done();

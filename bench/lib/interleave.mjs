// Interleaved timing: every function of a set runs once a round (in an order that rotates
// round by round), so that a shared machine's slow and fast windows fall on all of them alike,
// and ratios taken from one call of interleaved() compare like with like. Reports each
// function's median and minimum ms per call.
import { median } from './stats.mjs';

const now = () => performance.now();

// Calls per sample: enough that one sample lasts at least minSampleMs (timer resolution).
function repsFor(fn, minSampleMs) {
  for (let reps = 1; ; reps *= 2) {
    const t0 = now();
    for (let i = 0; i < reps; i++) fn();
    if (now() - t0 >= minSampleMs || reps >= 1 << 16) return reps;
  }
}

/**
 * Times fns interleaved for about budgetMs (at least minRounds rounds); returns
 * [{ medianMs, minMs, samples }] in the order of fns.
 */
export function interleaved(fns, { budgetMs = 1500, minRounds = 15, minSampleMs = 0.5, warmMs = 250 } = {}) {
  // Warm up each function for warmMs (at least 3 calls): caches, first-call allocations, and
  // tier-up. V8 runs Wasm first as baseline (Liftoff) code and compiles a function's optimised
  // code only once it is hot: after 3 calls, the [64, 1024] training forward still ran partly on
  // baseline code for its whole 2.5 s budget (median 51 and 101 us in two runs of npm run bench,
  // 36 us with --no-liftoff; here on Node v26.12.1).
  for (const fn of fns) {
    const until = now() + warmMs;
    for (let i = 0; i < 3 || now() < until; i++) fn();
  }
  const reps = fns.map((fn) => repsFor(fn, minSampleMs));
  const samples = fns.map(() => []);
  const end = now() + budgetMs;
  for (let round = 0; round < minRounds || now() < end; round++) {
    globalThis.gc?.(); // between rounds, so that no call pays for another's garbage
    for (let k = 0; k < fns.length; k++) {
      const j = (k + round) % fns.length;
      const fn = fns[j];
      const t0 = now();
      for (let i = 0; i < reps[j]; i++) fn();
      samples[j].push((now() - t0) / reps[j]);
    }
  }
  return samples.map((s) => ({ medianMs: median(s), minMs: Math.min(...s), samples: s.length }));
}

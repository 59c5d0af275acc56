// The kernels split over threads. Work is split by rows of the [N, C, S] view (each
// thread a contiguous block of samples); partial statistics merge exactly with Chan's
// formula and partial backward sums add, on the main thread, between the two steps.
// Each operation is a generator that yields one Job[] per parallel step, so that the same
// code runs blocking (drive) or awaiting (driveAsync).
import type { Geometry } from '../engine.js';
import type { KernelExports } from '../wasm/instantiate.js';
import type { Steps } from './drive.js';
import type { ThreadPool } from './pool.js';

export interface Range {
  start: number; // first row
  rows: number;
}


/**
 * Below this many elements per thread, one thread is faster: waking the workers and merging
 * cost more than the work saved. Measured with bench/threads.mjs on 2 cores (every size
 * split, two runs): 2 threads won inference from [32, 1024] and training forward (two steps)
 * from [64, 1024] in one run and from [128, 1024] in the other; 64 Ki elements a thread
 * (2 threads from [128, 1024]) won in both.
 */
export const MIN_ELEMENTS_PER_THREAD = 1 << 16;

export class ParallelKernels {
  readonly pool: ThreadPool;
  private readonly k: KernelExports;

  constructor(pool: ThreadPool, kernels: KernelExports) {
    this.pool = pool;
    this.k = kernels;
  }

  /**
   * Row ranges, one per thread, or null to run on this thread alone: where one thread is
   * faster, where this thread may not block, or while another layer's async call holds the
   * workers (calls never wait on each other).
   */
  split(g: Geometry, willAwait: boolean): Range[] | null {
    if ((!willAwait && !this.pool.canBlock) || this.pool.busy) return null;
    const threads = Math.min(this.pool.size, g.N, Math.floor(g.count / MIN_ELEMENTS_PER_THREAD));
    if (threads < 2) return null;
    const ranges: Range[] = [];
    for (let t = 0, start = 0; t < threads; t++) {
      const rows = Math.floor(g.N / threads) + (t < g.N % threads ? 1 : 0);
      ranges.push({ start, rows });
      start += rows;
    }
    return ranges;
  }

  /** Per-channel mean and M2 of the whole batch into acc (thread t's partials at acc + t*16*C). */
  *stats(xp: number, g: Geometry, ranges: Range[], acc: number): Steps {
    const rowBytes = g.C * g.S * 4;
    const slot = g.C * 16;
    yield ranges.map((r, t) => ({ op: 'stats', args: [xp + r.start * rowBytes, r.rows, g.C, g.S, acc + t * slot, acc + t * slot + g.C * 8] }));
    let n = ranges[0].rows * g.S;
    for (let t = 1; t < ranges.length; t++) {
      const nt = ranges[t].rows * g.S;
      this.k.mergeStats(g.C, n, acc, acc + g.C * 8, nt, acc + t * slot, acc + t * slot + g.C * 8);
      n += nt;
    }
  }

  *normalize(xp: number, yp: number, g: Geometry, ranges: Range[], center: number, scale: number, bias: number, relu: number): Steps {
    const rowBytes = g.C * g.S * 4;
    yield ranges.map((r) => ({ op: 'normalize', args: [xp + r.start * rowBytes, yp + r.start * rowBytes, r.rows, g.C, g.S, center, scale, bias, relu] }));
  }

  /** Per-channel sum(dy') and sum(dy' * (x - center)) of the whole batch into acc (as stats lays it out). */
  *backwardReduce(xp: number, dyp: number, g: Geometry, ranges: Range[], acc: number,
    center: number, alpha: number, shift: number, relu: number): Steps {
    const rowBytes = g.C * g.S * 4;
    const slot = g.C * 16;
    yield ranges.map((r, t) => {
      const at = acc + t * slot;
      return { op: 'backwardReduce', args: [xp + r.start * rowBytes, dyp + r.start * rowBytes, r.rows, g.C, g.S, center, alpha, shift, at, at + g.C * 8, relu] };
    });
    for (let t = 1; t < ranges.length; t++) this.k.addF64(acc, acc + t * slot, 2 * g.C);
  }

  *backwardApply(xp: number, dyp: number, dxp: number, g: Geometry, ranges: Range[], center: number, alpha: number,
    shift: number, ka: number, kb: number, kc: number, relu: number): Steps {
    const rowBytes = g.C * g.S * 4;
    yield ranges.map((r) => ({
      op: 'backwardApply',
      args: [xp + r.start * rowBytes, dyp + r.start * rowBytes, dxp + r.start * rowBytes, r.rows, g.C, g.S, center, alpha, shift, ka, kb, kc, relu],
    }));
  }
}

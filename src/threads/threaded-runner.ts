// The runner of row steps over worker threads. A step is split by rows of the [N, C, S] view
// (each thread a contiguous block of samples, abi.ts: shareOf and sliceArgs); the operation
// that yielded it merges the shares' partial results on this thread between its steps.
// Calls it keeps on one thread run inline, exactly as without threads.
import type { KernelExports, RowKernel } from '../wasm/abi.js';
import { shareOf, sizesOf, sliceArgs } from '../wasm/abi.js';
import { runInline } from '../wasm/inline-runner.js';
import type { ThreadedRunner as ThreadedRunnerApi } from '../wasm/runtime.js';
import type { Step } from '../types.js';
import type { Job, ThreadPool } from './pool.js';

/**
 * Below this many elements per thread, one thread is faster: waking the workers and merging
 * cost more than the work saved. Measured with bench/threads.mjs on 2 cores (every size
 * split, two runs): 2 threads won inference from [32, 1024] and training forward (two steps)
 * from [64, 1024] in one run and from [128, 1024] in the other; 64 Ki elements a thread
 * (2 threads from [128, 1024]) won in both.
 */
export const MIN_ELEMENTS_PER_THREAD = 1 << 16;

export class ThreadedRunner implements ThreadedRunnerApi {
  readonly pool: ThreadPool;
  private readonly kernels: KernelExports;

  constructor(pool: ThreadPool, kernels: KernelExports) {
    this.pool = pool;
    this.kernels = kernels;
  }

  get maxShares(): number {
    return this.pool.size;
  }

  // How many threads a step uses: 1 where one thread is faster, or while another layer's
  // async call holds the workers (calls never wait on each other).
  private shares(step: Step): number {
    if (this.pool.busy) return 1;
    const { N, C, S } = sizesOf(step.op as RowKernel, step.args);
    return Math.max(1, Math.min(this.pool.size, N, Math.floor((N * C * S) / MIN_ELEMENTS_PER_THREAD)));
  }

  private jobs(step: Step, shares: number): Job[] {
    const { N } = sizesOf(step.op as RowKernel, step.args);
    return Array.from({ length: shares }, (_, t) => {
      const { start, rows } = shareOf(N, shares, t);
      return { op: step.op as RowKernel, args: sliceArgs(step.op as RowKernel, step.args, start, rows, t) };
    });
  }

  /**
   * Blocking: split where this thread may block (not a browser's main thread) and the
   * workers can take the jobs; while workers that cannot start under a blocked thread (a
   * browser Worker's) are still starting, inline.
   */
  run(step: Step): number {
    let shares = this.pool.canBlock ? this.shares(step) : 1;
    if (shares > 1 && !this.pool.ready && !this.pool.startsWhileBlocked) {
      this.pool.start();
      shares = 1;
    }
    if (shares === 1) runInline(this.kernels, step);
    else this.pool.run(this.jobs(step, shares));
    return shares;
  }

  async runAsync(step: Step): Promise<number> {
    let shares = this.shares(step);
    if (shares > 1 && !this.pool.ready) {
      await this.pool.whenReady();
      shares = this.shares(step); // another call may hold the workers by now
    }
    if (shares === 1) runInline(this.kernels, step);
    else await this.pool.runAsync(this.jobs(step, shares));
    return shares;
  }

  shutdown(): void {
    this.pool.shutdown();
  }
}

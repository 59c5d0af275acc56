// Runs a step on the calling thread as one share: the whole batch in one kernel call. The
// runtime's runner without threads; the threaded runner uses it for the calls it keeps on
// one thread.
import type { Step, StepRunner } from '../types.js';
import type { KernelExports, RowKernel } from './abi.js';

type AnyKernel = (...args: readonly number[]) => void;

/** Calls a row step's kernel on this thread, over all its rows. */
export function runInline(kernels: KernelExports, step: Step): void {
  const a = step.args;
  const kernel = kernels[step.op as RowKernel] as AnyKernel;
  // Spelled out, not spread (20 ns less a call): the row kernels take at most 14 (abi.ts:
  // MAX_ROW_ARGS, held to it by test/one-step.test.ts); a Wasm export drops the arguments
  // past its own.
  kernel(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]);
}

export class InlineRunner implements StepRunner {
  readonly maxShares = 1;
  constructor(private readonly kernels: KernelExports) {}

  run(step: Step): number {
    runInline(this.kernels, step);
    return 1;
  }

  async runAsync(step: Step): Promise<number> {
    return this.run(step);
  }
}

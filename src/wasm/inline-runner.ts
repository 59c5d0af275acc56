// Runs a step on the calling thread as one share: the whole batch in one kernel call. The
// runtime's runner without threads; the threaded runner uses it for the calls it keeps on
// one thread.
import type { Step, StepRunner } from '../types.js';
import type { KernelExports, RowKernel } from './abi.js';

/** Calls a row step's kernel on this thread, over all its rows. */
export function runInline(kernels: KernelExports, step: Step): void {
  (kernels[step.op as RowKernel] as (...args: readonly number[]) => void)(...step.args);
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

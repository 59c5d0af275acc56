// Making a threaded runtime: a shared memory, the kernels instantiated over it, a pool of
// workers and the runner that splits steps over them. Loaded by init({ threads }) with a
// dynamic import, so that bundles without threads leave this code out.
import { createMemory, instantiateSharedKernels, maxBytesOf, type CheckedSource } from '../wasm/instantiate.js';
import { WasmHeap } from '../wasm/heap.js';
import { createRuntime, type WasmRuntime } from '../wasm/runtime.js';
import { ThreadPool } from './pool.js';
import { canSpawnWorkers, hardwareThreads } from './spawn.js';
import { ThreadedRunner } from './threaded-runner.js';

let warned = false;

/** The thread count to use for init({ threads }): 1 where workers cannot start (warned once). */
export function threadCount(requested: number | 'auto'): number {
  if (!canSpawnWorkers()) {
    if (!warned) {
      warned = true;
      console.warn('batchnorm-wasm: threads need Node or a cross-origin isolated page (COOP/COEP headers); running single-threaded');
    }
    return 1;
  }
  return requested === 'auto' ? Math.min(1024, Math.max(1, hardwareThreads())) : requested; // the most init() accepts
}

export async function createThreadedRuntime(source: CheckedSource | undefined, threads: number): Promise<WasmRuntime> {
  const memory = createMemory(true);
  const { module, kernels } = await instantiateSharedKernels(source, memory);
  const heap = new WasmHeap(memory, maxBytesOf(memory));
  const pool = new ThreadPool(module, memory, heap, kernels, threads, hardwareThreads());
  // Started now and awaited: the first blocking call then finds its workers ready, also in
  // a browser Worker, whose own workers cannot start while it blocks.
  await pool.whenReady();
  return createRuntime(memory, kernels, new ThreadedRunner(pool, kernels), heap);
}

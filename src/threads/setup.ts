// Making a threaded runtime: a shared memory, the kernels compiled for it, and a pool.
// Loaded by init({ threads }) with a dynamic import, so that bundles without threads
// leave this code out.
import { WasmHeap } from '../wasm/heap.js';
import { instantiateKernels } from '../wasm/instantiate.js';
import { INITIAL_PAGES, type WasmRuntime } from '../wasm/runtime.js';
import { ParallelKernels } from './parallel.js';
import { ThreadPool } from './pool.js';
import { withSharedMemory } from './shared-module.js';
import { canSpawnWorkers, hardwareThreads } from './spawn.js';

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
  return requested === 'auto' ? Math.max(1, hardwareThreads()) : requested;
}

// A shared memory must declare its maximum up front; 4 GiB (the wasm32 limit) where the
// platform reserves that much address space, less where it does not (32-bit browsers).
const MAXIMA = [65536, 16384, 4096];

function sharedMemory(): WebAssembly.Memory {
  for (const maximum of MAXIMA) {
    try {
      return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum, shared: true });
    } catch (error) {
      if (maximum === MAXIMA[MAXIMA.length - 1]) throw error;
    }
  }
  throw new Error('unreachable');
}

export async function createThreadedRuntime(bytes: Uint8Array, threads: number): Promise<WasmRuntime> {
  const memory = sharedMemory();
  // An import declaring the largest maximum accepts a memory of any smaller one.
  const module = await WebAssembly.compile(withSharedMemory(bytes, MAXIMA[0]) as BufferSource);
  const kernels = instantiateKernels(module, memory);
  const heap = new WasmHeap(memory);
  const pool = new ThreadPool(module, memory, heap, kernels, threads, hardwareThreads());
  return { heap, kernels, parallel: new ParallelKernels(pool, kernels), liveLayers: 0 };
}

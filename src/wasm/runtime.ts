// The loaded Wasm runtime: one memory, its heap, and the kernel instance over it; with
// threads, the memory is shared and a pool of workers runs the same kernels over it.
// Every Wasm layer created while it is current shares it.
import type { ParallelKernels } from '../threads/parallel.js';
import { WasmHeap } from './heap.js';
import { instantiateKernels, type KernelExports } from './instantiate.js';

// 16 pages = 1 MiB to start; the heap grows the memory on demand.
export const INITIAL_PAGES = 16;

export interface WasmRuntime {
  readonly heap: WasmHeap; // and, through it, the memory
  readonly kernels: KernelExports;
  /** The threaded kernels, when init({ threads }) made this runtime. */
  readonly parallel: ParallelKernels | null;
  /** Live Wasm layers: when the last is disposed, the worker threads end. */
  liveLayers: number;
}

export function createRuntime(module: WebAssembly.Module): WasmRuntime {
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES });
  const kernels = instantiateKernels(module, memory);
  return { heap: new WasmHeap(memory), kernels, parallel: null, liveLayers: 0 };
}

export function layerCreated(rt: WasmRuntime): void {
  rt.liveLayers++;
}

export function layerReleased(rt: WasmRuntime): void {
  if (--rt.liveLayers === 0) rt.parallel?.pool.shutdown();
}

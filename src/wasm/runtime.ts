// The loaded Wasm runtime: one memory, its heap, and the kernel instance over it.
// Every Wasm layer of the process shares it.
import { WasmHeap } from './heap.js';
import { instantiateKernels, type KernelExports } from './instantiate.js';

// 16 pages = 1 MiB to start; the heap grows the memory on demand.
const INITIAL_PAGES = 16;

export interface WasmRuntime {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly heap: WasmHeap;
  readonly kernels: KernelExports;
}

export function createRuntime(module: WebAssembly.Module): WasmRuntime {
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES });
  const kernels = instantiateKernels(module, memory);
  return { module, memory, heap: new WasmHeap(memory), kernels };
}

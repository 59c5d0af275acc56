// The loaded Wasm runtime: one memory, its heap, the kernel instance over it, and the runner
// of row steps (inline, or threads that plug in through the StepRunner interface). Every
// Wasm layer created while it is current shares it.
import type { StepRunner } from '../types.js';
import type { KernelExports } from './abi.js';
import { WasmHeap } from './heap.js';
import { InlineRunner } from './inline-runner.js';
import { maxBytesOf } from './instantiate.js';

/** What threads add to a runtime: a runner that splits steps, and a way to end the workers. */
export interface ThreadedRunner extends StepRunner {
  /** Ends the worker threads now; the next split step starts them again. */
  shutdown(): void;
}

export interface WasmRuntime {
  readonly heap: WasmHeap; // and, through it, the memory
  readonly kernels: KernelExports;
  readonly runner: StepRunner;
  /** The runner when it has worker threads (init({ threads })), else null. */
  readonly threads: ThreadedRunner | null;
  /** Live Wasm layers: when the last is disposed, the worker threads end. */
  liveLayers: number;
}

export function createRuntime(memory: WebAssembly.Memory, kernels: KernelExports, threads: ThreadedRunner | null = null, heap = new WasmHeap(memory, maxBytesOf(memory))): WasmRuntime {
  return { heap, kernels, runner: threads ?? new InlineRunner(kernels), threads, liveLayers: 0 };
}

export function layerCreated(rt: WasmRuntime): void {
  rt.liveLayers++;
}

export function layerReleased(rt: WasmRuntime): void {
  if (--rt.liveLayers === 0) rt.threads?.shutdown();
}

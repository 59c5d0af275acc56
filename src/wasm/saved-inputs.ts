// Inputs that layers keep by reference for backward (a Wasm tensor given to a training
// forward is not copied), and whether the library has written over one since: the analogue
// of the version counter PyTorch keeps on saved tensors. Every write the library makes into
// Wasm memory through a caller's tensor (an out, in place or not, of any layer and either
// backend) is reported here, and backward refuses a saved input that a write touched. Writes
// the caller makes through a tensor's .data cannot be seen; the README says not to.
import { rangesOverlap } from '../overlap.js';
import type { WasmHeap } from './heap.js';

export interface SavedInput {
  readonly heap: WasmHeap;
  readonly start: number; // byte offsets in the heap's memory
  readonly end: number;
  /** Set when a write of the library overlapped the input after it was saved. */
  overwritten: boolean;
}

const saved = new Set<SavedInput>();

export function keepInput(heap: WasmHeap, ptr: number, bytes: number): SavedInput {
  const input = { heap, start: ptr, end: ptr + bytes, overwritten: false };
  saved.add(input);
  return input;
}

export function releaseInput(input: SavedInput | null): void {
  if (input) saved.delete(input);
}

/** Says that the library wrote into this array; a saved input it overlaps is marked. */
export function noteWrite(data: Float32Array): void {
  if (saved.size === 0) return;
  const start = data.byteOffset;
  const bytes = data.byteLength;
  for (const input of saved) {
    const buffer = input.heap.f32.buffer;
    if ((data.buffer === buffer || data.buffer === input.heap.memory.buffer) && rangesOverlap(start, bytes, input.start, input.end - input.start)) {
      input.overwritten = true;
    }
  }
}

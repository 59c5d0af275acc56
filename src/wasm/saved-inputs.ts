// Inputs that layers keep by reference for backward (a Wasm tensor given to a training
// forward is not copied), and whether the library has written over one since: the analogue
// of the version counter PyTorch keeps on saved tensors. Every write the library makes into
// Wasm memory through a caller's tensor (an out, in place or not, of any layer and either
// backend) is reported here (found before the call, marked after it), and backward refuses a
// saved input that a write touched. Writes the caller makes through a tensor's .data cannot
// be seen; docs/TENSORS.md says not to.
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

/**
 * The saved inputs an array the library is about to write into overlaps, or null: found before
 * the call, since a call that grows the memory detaches the array's view (its offsets then read 0).
 */
export function savedUnder(data: ArrayBufferView): SavedInput[] | null {
  if (saved.size === 0) return null;
  const start = data.byteOffset;
  const bytes = data.byteLength;
  let under: SavedInput[] | null = null;
  for (const input of saved) {
    // The heap's view is of the memory's current buffer (only the heap grows the memory), as in
    // WasmEngine.addressOf.
    if (data.buffer === input.heap.f32.buffer && rangesOverlap(start, bytes, input.start, input.end - input.start)) (under ??= []).push(input);
  }
  return under;
}

/** Marks saved inputs a call may have written into (succeeded or not): their backward refuses. */
export function markWritten(inputs: readonly SavedInput[] | null): void {
  if (inputs) for (const input of inputs) input.overwritten = true;
}

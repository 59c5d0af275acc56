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

// Grouped by heap, so that a call asks each heap for its memory's buffer once, and kept in
// arrays walked by index (no iterators to allocate). Read per input of one Set, the two buffer
// getters made a [1, 256] inference into a Wasm tensor take 0.30-0.33 us with 8 other layers
// holding a training input and 1.30-1.52 us with 64; grouped, 0.20-0.21 and 0.32-0.36 us
// (0.14-0.15 with none; both builds in one process, Node v26.12.1, AMD EPYC).
const groups: { readonly heap: WasmHeap; readonly inputs: SavedInput[] }[] = [];

export function keepInput(heap: WasmHeap, ptr: number, bytes: number): SavedInput {
  const input = { heap, start: ptr, end: ptr + bytes, overwritten: false };
  const group = groups.find((g) => g.heap === heap);
  if (group) group.inputs.push(input);
  else groups.push({ heap, inputs: [input] });
  return input;
}

export function releaseInput(input: SavedInput | null): void {
  if (!input) return;
  const at = groups.findIndex((g) => g.heap === input.heap);
  if (at < 0) return;
  const inputs = groups[at].inputs;
  const i = inputs.indexOf(input);
  if (i < 0) return;
  inputs.splice(i, 1);
  if (inputs.length === 0) groups.splice(at, 1);
}

/** How many heaps hold saved inputs (tests: a heap whose last input is released is let go). */
export function savedHeaps(): number {
  return groups.length;
}

/**
 * The saved inputs an array the library is about to write into overlaps, or null: found before
 * the call, since a call that grows the memory detaches the array's view (its offsets then read 0).
 */
export function savedUnder(data: ArrayBufferView): SavedInput[] | null {
  if (groups.length === 0) return null;
  const buffer = data.buffer;
  const start = data.byteOffset;
  const bytes = data.byteLength;
  let under: SavedInput[] | null = null;
  for (let g = 0; g < groups.length; g++) {
    // The heap's view is of the memory's current buffer (only the heap grows the memory), as in
    // WasmEngine.addressOf.
    if (buffer !== groups[g].heap.f32.buffer) continue;
    const inputs = groups[g].inputs;
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      if (rangesOverlap(start, bytes, input.start, input.end - input.start)) (under ??= []).push(input);
    }
  }
  return under;
}

/** Marks saved inputs a call may have written into (succeeded or not): their backward refuses. */
export function markWritten(inputs: readonly SavedInput[] | null): void {
  if (inputs) for (const input of inputs) input.overwritten = true;
}

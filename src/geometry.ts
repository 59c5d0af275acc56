// How an input shape maps onto the kernels' row-major [N, C, S] view (docs/NUMERICS.md):
//   book (axis undefined): [N, D] or [N, C, H, W] read as [N, C*H*W]   -> N, D, 1
//   axis 1 (PyTorch, ONNX): [N, C], [N, C, L], [N, C, H, W]            -> N, C, L or H*W
//   axis -1 / last (channels-last): [N, C], [N, L, C], [N, H, W, C]    -> N*L or N*H*W, C, 1
import type { Axis, Geometry } from './types.js';
import { formatShape } from './validate.js';

const BOOK_RANKS: readonly number[] = Object.freeze([2, 4]);
const AXIS_RANKS: readonly number[] = Object.freeze([2, 3, 4]);

/** The ranks an input may have with this axis. */
export function allowedRanks(axis: Axis | undefined): readonly number[] {
  return axis === undefined ? BOOK_RANKS : AXIS_RANKS;
}

export function rankDescription(axis: Axis | undefined): string {
  if (axis === undefined) return '2 dimensions [N, D] or 4 [N, C, H, W]';
  if (axis === 1) return '2 to 4 dimensions ([N, C], [N, C, L] or [N, C, H, W]) for axis 1';
  return '2 to 4 dimensions ([N, C], [N, L, C] or [N, H, W, C]) for channels-last axis';
}

function product(shape: readonly number[], from: number, to: number): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= shape[i];
  return p;
}

/** The [N, C, S] view of a validated shape, or a RangeError naming the axis. */
export function geometryOf(shape: readonly number[], axis: Axis | undefined, name: string, who: string): Geometry {
  const rank = shape.length;
  const count = product(shape, 0, rank);
  if (axis === undefined) return { N: shape[0], C: count / shape[0], S: 1, count };
  if (axis === 1) return { N: shape[0], C: shape[1], S: product(shape, 2, rank), count };
  if (axis === -1 || axis === rank - 1) return { N: count / shape[rank - 1], C: shape[rank - 1], S: 1, count };
  throw new RangeError(`${who}: options.axis ${axis} is neither 1 nor the last axis of ${name}.shape ${formatShape(shape)}`);
}

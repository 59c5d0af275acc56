// The layouts the threads tests split over two threads (float32 and float64 alike): the book's
// 2D and 4D, per channel NCHW and NHWC (with a fused ReLU): [name, shape, axis, relu].
import type { Axis } from '../../src/index.js';

export const THREAD_CASES: ReadonlyArray<readonly [string, number[], Axis | undefined, boolean]> = [
  ['book 2D', [512, 600], undefined, false],
  ['book 4D', [64, 3, 33, 31], undefined, false],
  ['NCHW', [16, 12, 37, 41], 1, false],
  ['NHWC with ReLU', [16, 37, 41, 12], -1, true],
];

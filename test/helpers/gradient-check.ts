// The book's numerical gradient (chapter 4's numerical_gradient, used by chapter 6's check):
// a central difference of a loss with respect to one element of an array the loss reads.
import type { BatchNormalization, DType } from '../../src/index.js';

/** (L(a[i] + h) - L(a[i] - h)) / 2h, a[i] restored after. */
export function centralDifference(a: { [i: number]: number }, i: number, h: number, loss: () => number): number {
  const keep = a[i];
  a[i] = keep + h;
  const up = loss();
  a[i] = keep - h;
  const down = loss();
  a[i] = keep;
  return (up - down) / (2 * h);
}

/** L = sum(w * forward(x)) in float64 (so the loss adds no rounding of its own): dL/dx = backward(w). */
export function weightedLoss(bn: BatchNormalization<DType>, x: ArrayLike<number>, shape: number[], w: ArrayLike<number>): number {
  const y = bn.forward({ data: x, shape }, true).data;
  let s = 0;
  for (let i = 0; i < y.length; i++) s += w[i] * y[i];
  return s;
}

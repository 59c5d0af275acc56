// The fixtures' comparison rule (test/fixtures/README.md), usable in Node and in a browser:
// |actual - expected| <= rtol*|expected| + atol*scale, scale = max(1, max |expected|).

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** The worst element as a fraction of its allowance (<= 1 passes), with where it is. */
export function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): { ratio: number; index: number } {
  if (actual.length !== expected.length) return { ratio: Infinity, index: -1 };
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let ratio = 0;
  let index = -1;
  for (let i = 0; i < expected.length; i++) {
    const allowed = tol.rtol * Math.abs(expected[i]) + tol.atol * scale;
    const err = Math.abs(actual[i] - expected[i]);
    const r = err === 0 ? 0 : err / allowed;
    if (!(r <= ratio)) {
      ratio = r;
      index = i;
    }
  }
  return { ratio, index };
}

/** Largest |a - b| relative to max(1, max |b|): the scale-relative distance of two results. */
export function scaledDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) worst = d;
  }
  return worst / scale;
}

// Agreement check between two forward outputs: max |a - b| relative to max |b|, for y and,
// where both sides have them, the updated running statistics. Throws on disagreement,
// so that a wrong peer (or a wrong ours) can never produce a number in the table.
export const TOLERANCE = 1e-4;

export function relError(a, b) {
  if (a.length !== b.length) return Infinity;
  let maxDiff = 0, maxRef = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Infinity;
    if (d > maxDiff) maxDiff = d;
    const r = Math.abs(b[i]);
    if (r > maxRef) maxRef = r;
  }
  return maxDiff / (maxRef || 1);
}

/** Returns the worst relative error over y / runningMean / runningVar; throws above TOLERANCE. */
export function assertAgrees(label, out, ref) {
  let worst = 0;
  for (const key of ['y', 'runningMean', 'runningVar']) {
    if (!out[key] || !ref[key]) continue;
    const err = relError(out[key], ref[key]);
    if (!(err <= TOLERANCE)) {
      throw new Error(`MISMATCH ${label}: ${key} max relative error ${err.toExponential(2)} > ${TOLERANCE}`);
    }
    worst = Math.max(worst, err);
  }
  return worst;
}

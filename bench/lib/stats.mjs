// Small helpers shared by the benches.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Bytes an operation must move at least: x in and y out; backward reads x and dy, writes dx (elements of bytes each). */
export const bytesMoved = (op, count, bytes = 4) => (op === 'backward' ? 3 : 2) * count * bytes;

/** How a subject's time compares with another's, in words that cannot mislead: "2.31x faster", "1.14x slower". */
export function versus(subjectMs, otherMs) {
  if (!(subjectMs > 0 && otherMs > 0)) return '-';
  return subjectMs <= otherMs ? `${(otherMs / subjectMs).toFixed(2)}x faster` : `${(subjectMs / otherMs).toFixed(2)}x slower`;
}

/**
 * The index of the fastest of timings [{ minMs, medianMs }]: by the minimum (on a shared machine
 * other work only adds time, so the fastest sample is the steadiest estimate of a loop's own
 * speed), and among those within near (a fraction) of the best minimum, by the median, since
 * a minimum can be one lucky sample.
 */
export function fastestOf(timings, near) {
  const fastest = Math.min(...timings.map((t) => t.minMs));
  let best = -1;
  timings.forEach((t, i) => {
    if (t.minMs <= fastest * (1 + near) && (best < 0 || t.medianMs < timings[best].medianMs)) best = i;
  });
  return best;
}

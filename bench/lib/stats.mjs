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

// Small helpers shared by the benches.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Bytes an operation must move at least: x in and y out; backward reads x and dy, writes dx. */
export const bytesMoved = (op, count) => (op === 'backward' ? 3 : 2) * count * 4;

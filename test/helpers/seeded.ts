// Deterministic pseudo-random data (xorshift32) for tests: the same seed gives the same
// array everywhere (Node and the browser), and fast-check can shrink a seed.
export function seeded(n: number, seed: number, offset = 0, spread = 2): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    out[i] = offset + ((s >>> 0) / 4294967296 - 0.5) * spread;
  }
  return out;
}

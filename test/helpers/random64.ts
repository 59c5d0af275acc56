// Deterministic float64 test data (xorshift32) with the low bits set: numbers float32 cannot
// hold, so that a float64 path that rounded anything through float32 would be off by ~1e-8.
export function randoms(n: number, seed: number, offset = 0, spread = 1): Float64Array {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  return Float64Array.from({ length: n }, () => offset + (next() - 0.5) * 2 * spread + next() * 1e-9);
}

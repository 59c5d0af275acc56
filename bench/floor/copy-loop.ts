// The floor every bench ratio is taken against: a 128-bit Wasm copy loop, y = x, four v128
// loads and four stores a step (the shape of the probe's copy: what a pass that reads x and
// writes y can reach with this engine). Compiled by bench/floor/copy-loop.mjs, not shipped.
export function copy(x: usize, y: usize, bytes: usize): void {
  const end = x + (bytes & ~63);
  const d = y - x;
  for (let p = x; p < end; p += 64) {
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), e = v128.load(p, 48);
    v128.store(p + d, a);
    v128.store(p + d, b, 16);
    v128.store(p + d, c, 32);
    v128.store(p + d, e, 48);
  }
  for (let p = end; p < x + bytes; p += 4) store<f32>(p + d, load<f32>(p));
}

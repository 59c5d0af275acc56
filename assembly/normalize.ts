// The elementwise pass over a row-major [N, C, S] view:
//   y = (x - center[c]) * scale[c] + bias[c], optionally followed by ReLU.
// Subtracting the centre first (instead of x * scale + shift) costs nothing in a
// memory-bound loop and avoids cancellation for data far from zero (x = 1e4 + noise).
// y may alias x (in-place inference).

// Four rows per iteration share the per-feature loads (S == 1 layout).
@inline
function normRows(x: usize, y: usize, N: i32, C: i32, center: usize, scale: usize, bias: usize, relu: bool): void {
  const rowBytes = <usize>C << 2;
  const C4 = C & ~3;
  const zero = f32x4.splat(0);
  let r = 0;
  for (; r + 4 <= N; r += 4) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      const m = v128.load(center + o);
      const a = v128.load(scale + o);
      const b = v128.load(bias + o);
      let v0 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o), m), a), b);
      let v1 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + rowBytes + o), m), a), b);
      let v2 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + 2 * rowBytes + o), m), a), b);
      let v3 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + 3 * rowBytes + o), m), a), b);
      if (relu) {
        v0 = f32x4.max(v0, zero);
        v1 = f32x4.max(v1, zero);
        v2 = f32x4.max(v2, zero);
        v3 = f32x4.max(v3, zero);
      }
      v128.store(yr + o, v0);
      v128.store(yr + rowBytes + o, v1);
      v128.store(yr + 2 * rowBytes + o, v2);
      v128.store(yr + 3 * rowBytes + o, v3);
    }
    for (let c = C4; c < C; c++) {
      const o = <usize>c << 2;
      const m = load<f32>(center + o);
      const a = load<f32>(scale + o);
      const b = load<f32>(bias + o);
      for (let i: usize = 0; i < 4; i++) {
        let v = (load<f32>(xr + i * rowBytes + o) - m) * a + b;
        if (relu) v = max<f32>(v, 0);
        store<f32>(yr + i * rowBytes + o, v);
      }
    }
  }
  for (; r < N; r++) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      let v = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o), v128.load(center + o)), v128.load(scale + o)), v128.load(bias + o));
      if (relu) v = f32x4.max(v, zero);
      v128.store(yr + o, v);
    }
    for (let c = C4; c < C; c++) {
      const o = <usize>c << 2;
      let v = (load<f32>(xr + o) - load<f32>(center + o)) * load<f32>(scale + o) + load<f32>(bias + o);
      if (relu) v = max<f32>(v, 0);
      store<f32>(yr + o, v);
    }
  }
}

// One (n, c) run of S contiguous elements at a time (S > 1 layout).
@inline
function normRuns(x: usize, y: usize, N: i32, C: i32, S: i32, center: usize, scale: usize, bias: usize, relu: bool): void {
  const zero = f32x4.splat(0);
  const S8 = S & ~7;
  const S4 = S & ~3;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const off = (<usize>n * <usize>C + <usize>c) * <usize>S << 2;
      const xr = x + off;
      const yr = y + off;
      const ms = load<f32>(center + (<usize>c << 2));
      const as = load<f32>(scale + (<usize>c << 2));
      const bs = load<f32>(bias + (<usize>c << 2));
      const m = f32x4.splat(ms);
      const a = f32x4.splat(as);
      const b = f32x4.splat(bs);
      let s = 0;
      for (; s < S8; s += 8) {
        const o = <usize>s << 2;
        let v0 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o), m), a), b);
        let v1 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o, 16), m), a), b);
        if (relu) {
          v0 = f32x4.max(v0, zero);
          v1 = f32x4.max(v1, zero);
        }
        v128.store(yr + o, v0);
        v128.store(yr + o, v1, 16);
      }
      for (; s < S4; s += 4) {
        const o = <usize>s << 2;
        let v = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o), m), a), b);
        if (relu) v = f32x4.max(v, zero);
        v128.store(yr + o, v);
      }
      for (; s < S; s++) {
        const o = <usize>s << 2;
        let v = (load<f32>(xr + o) - ms) * as + bs;
        if (relu) v = max<f32>(v, 0);
        store<f32>(yr + o, v);
      }
    }
  }
}

export function normalize(x: usize, y: usize, N: i32, C: i32, S: i32, center: usize, scale: usize, bias: usize, relu: i32): void {
  // Constant flags after inlining let the optimiser drop the branch from the loops.
  if (S == 1) {
    if (relu) normRows(x, y, N, C, center, scale, bias, true);
    else normRows(x, y, N, C, center, scale, bias, false);
  } else {
    if (relu) normRuns(x, y, N, C, S, center, scale, bias, true);
    else normRuns(x, y, N, C, S, center, scale, bias, false);
  }
}

// The kernels' source is generic over the element type (assembly/formulas.ts,
// assembly/drivers.ts): the library exports it for f32, and a float64 build is to come from the
// same source, not a copy. This compiles a few drivers for f64 (a module of its own, built
// here, not shipped) and checks them against float64 arithmetic done in JavaScript: the
// normalize and dx formulas to the bit, the statistics and backward sums within f64 rounding.
import asc from 'assemblyscript/asc';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { planWord } from '../src/wasm/plan.js';

const drivers = fileURLToPath(new URL('../assembly/drivers', import.meta.url));
const source = (dir: string) => `
import { elementwise, reduction, Op } from ${JSON.stringify(relative(dir, drivers))};
export function normalize64(x: usize, y: usize, N: i32, C: i32, S: i32, m: usize, a: usize, b: usize, plan: i32): void {
  elementwise<f64>(Op.Normalize, 4, false, 0, plan, x, 0, y, N, C, S, <usize>C * <usize>S << 3, m, a, b, 0, 0, 0);
}
export function dx64(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, m: usize, ka: usize, kb: usize, kc: usize, plan: i32): void {
  elementwise<f64>(Op.Dx, 2, false, 0, plan, x, dy, dx, N, C, S, <usize>C * <usize>S << 3, m, ka, kb, kc, 0, 0);
}
export function stats64(x: usize, N: i32, C: i32, S: i32, mean: usize, m2: usize, scratch: usize, plan: i32): void {
  memory.fill(mean, 0, <usize>C << 3);
  memory.fill(m2, 0, <usize>C << 3);
  reduction<f64>(Op.Stats, 4, false, 0, plan, x, 0, N, C, S, <usize>C * <usize>S << 3, 0, 0, 0, scratch, mean, m2);
}
export function reduce64(x: usize, dy: usize, N: i32, C: i32, S: i32, m: usize, s1: usize, s2: usize, scratch: usize, plan: i32): void {
  memory.fill(s1, 0, <usize>C << 3);
  memory.fill(s2, 0, <usize>C << 3);
  reduction<f64>(Op.Reduce, 2, false, 0, plan, x, dy, N, C, S, <usize>C * <usize>S << 3, m, 0, 0, scratch, s1, s2);
}
`;

type F = (...args: number[]) => void;
let k: Record<'normalize64' | 'dx64' | 'stats64' | 'reduce64', F>;
let f64: Float64Array;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'f64-source-'));
  const file = join(dir, 'f64.ts');
  writeFileSync(file, source(dir));
  let binary: Uint8Array | undefined;
  const { error, stderr } = await asc.main([file, '--enable', 'simd', '-O3', '--runtime', 'stub', '--noAssert', '--importMemory', '--use', 'abort=', '--outFile', 'f64.wasm'], {
    writeFile: (name: string, contents: string | Uint8Array) => {
      if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents;
    },
  });
  if (error) throw new Error(stderr.toString());
  const memory = new WebAssembly.Memory({ initial: 16 });
  k = new WebAssembly.Instance(new WebAssembly.Module(binary!.slice()), { env: { memory } }).exports as typeof k;
  f64 = new Float64Array(memory.buffer);
}, 60_000);

// Deterministic float64 values (not representable in f32), offset by `offset`.
const values = (n: number, seed: number, offset = 0) => Float64Array.from({ length: n }, (_, i) => offset + Math.sin(seed * 1000 + i * 1.37) * 2 + 1e-9 * i);

describe.each([
  { N: 37, C: 11, S: 1 },
  { N: 3, C: 5, S: 19 },
])('the drivers instantiated for f64 on [$N, $C, $S]', ({ N, C, S }) => {
  const count = N * C * S;
  const at = { x: 0, y: count, dy: 2 * count, per: 3 * count, acc: 3 * count + 4 * C, scratch: 3 * count + 6 * C }; // in f64 elements
  const x = values(count, 1, 1e4), dy = values(count, 2);
  const [m, a, b, kc] = [values(C, 3, 1e4), values(C, 4), values(C, 5), values(C, 6)];
  const channel = (i: number) => Math.floor(i / S) % C;
  const put = () => {
    f64.set(x, at.x);
    f64.set(dy, at.dy);
    [m, a, b, kc].forEach((v, j) => f64.set(v, at.per + j * C));
  };
  const per = (j: number) => (at.per + j * C) * 8;
  const plans = [planWord({ V: 2, R: 1 }), planWord({ V: 4, R: 3 }), planWord({ V: 4, R: 32 })];

  it('normalize and dx: float64 arithmetic, to the bit, with every plan', () => {
    for (const plan of plans) {
      put();
      k.normalize64(at.x * 8, at.y * 8, N, C, S, per(0), per(1), per(2), plan);
      expect(f64.slice(at.y, at.y + count)).toEqual(Float64Array.from(x, (v, i) => (v - m[channel(i)]) * a[channel(i)] + b[channel(i)]));
      k.dx64(at.x * 8, at.dy * 8, at.y * 8, N, C, S, per(0), per(1), per(2), per(3), plan);
      const c = channel;
      expect(f64.slice(at.y, at.y + count)).toEqual(Float64Array.from(x, (v, i) => (dy[i] - kc[c(i)]) * a[c(i)] + (v - m[c(i)]) * b[c(i)]));
    }
  });

  it('stats and the backward sums: float64 results within f64 rounding, with every plan', () => {
    const mean = new Float64Array(C), m2 = new Float64Array(C), s1 = new Float64Array(C), s2 = new Float64Array(C);
    for (let i = 0; i < count; i++) mean[channel(i)] += x[i] / (N * S);
    for (let i = 0; i < count; i++) {
      const c = channel(i);
      m2[c] += (x[i] - mean[c]) ** 2;
      s1[c] += dy[i];
      s2[c] += dy[i] * (x[i] - m[c]);
    }
    for (const plan of plans) {
      put();
      k.stats64(at.x * 8, N, C, S, at.acc * 8, (at.acc + C) * 8, at.scratch * 8, plan);
      for (let c = 0; c < C; c++) {
        expect(Math.abs(f64[at.acc + c] - mean[c])).toBeLessThan(1e-12 * 1e4);
        expect(Math.abs(f64[at.acc + C + c] - m2[c]) / m2[c]).toBeLessThan(1e-9);
      }
      k.reduce64(at.x * 8, at.dy * 8, N, C, S, per(0), at.acc * 8, (at.acc + C) * 8, at.scratch * 8, plan);
      for (let c = 0; c < C; c++) {
        expect(Math.abs(f64[at.acc + c] - s1[c])).toBeLessThan(1e-12 * N * S);
        expect(Math.abs(f64[at.acc + C + c] - s2[c])).toBeLessThan(1e-12 * N * S * 1e1);
      }
    }
  });
});

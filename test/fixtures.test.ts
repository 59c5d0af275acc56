// Every float32 fixture case of the book's algorithm, on both backends.
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../src/index.js';
import { loadFixtures } from './helpers/fixtures-node.js';
import { runFixture } from './helpers/run-fixture.js';

const cases = loadFixtures();

beforeAll(async () => {
  expect(await init()).toEqual({ backend: 'wasm', simd: true });
});

describe.each(['wasm', 'js'] as const)('fixtures on the %s backend', (backend) => {
  it('has the float32 cases', () => {
    expect(cases.filter((c) => !c.f64_only).length).toBeGreaterThanOrEqual(11);
  });
  for (const fx of cases.filter((c) => !c.f64_only)) {
    it(fx.name, () => {
      expect(runFixture(fx, backend)).toEqual([]);
    });
  }
});

describe('the float64-only cases', () => {
  // They exist to show that float32 cannot meet them; running them proves the checker bites.
  for (const fx of cases.filter((c) => c.f64_only)) {
    it(`${fx.name} is out of float32 reach (the comparison fails)`, () => {
      const withF64Tolerance = { ...fx, tolerance: { ...fx.tolerance, f32: fx.tolerance.f64 } };
      expect(runFixture(withF64Tolerance, 'wasm').length).toBeGreaterThan(0);
    });
  }
});

// Every case, the float64-only ones included, on a float64 layer of each backend: the
// fixtures' float64 numbers go in as they are, and every array agrees with numpy's float64
// to 1e-12 relative (plus 1e-13 of the array's scale, for entries near zero).
const F64_TOLERANCE = { rtol: 1e-12, atol: 1e-13 };
describe.each(['wasm', 'js'] as const)('fixtures on a float64 layer, %s backend', (backend) => {
  it('has the float64-only cases too', () => {
    expect(cases.filter((c) => c.f64_only).length).toBeGreaterThanOrEqual(2);
  });
  for (const fx of cases) {
    it(`${fx.name}${fx.f64_only ? ' (float64 only)' : ''}`, () => {
      expect(runFixture(fx, backend, 'float64', F64_TOLERANCE)).toEqual([]);
    });
  }
});

// A browser without Wasm SIMD, simulated: WebAssembly.validate answers false (the
// library probes SIMD with it) before init() runs in this fresh iframe. init() must
// fall back to the JS backend, and the JS backend must pass the fixtures.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { runFixture } from '../helpers/run-fixture.js';
import { float32Fixtures } from './fixtures.js';

let lib: typeof import('../../src/index.js');

beforeAll(async () => {
  vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
  lib = await import('../../src/index.js');
});

afterAll(() => {
  vi.restoreAllMocks();
});

it('init() picks the JS backend and reports no SIMD', async () => {
  expect(await lib.init()).toEqual({ backend: 'js', simd: false });
  expect(WebAssembly.validate).toHaveBeenCalled();
  const bn = new lib.BatchNormalization([1, 2, 3], [0, 0, 0]);
  expect(bn.backend).toBe('js');
  bn.dispose();
});

it('asking for the Wasm backend then says why it cannot', () => {
  expect(() => new lib.BatchNormalization([1], [0], 0.9, null, null, { backend: 'wasm' })).toThrow(/unavailable|SIMD/);
});

it.each(float32Fixtures.map((fx) => [fx.name, fx] as const))('the fallback passes %s', (_name, fx) => {
  expect(runFixture(fx, 'js')).toEqual([]);
});

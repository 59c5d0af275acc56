// init({ wasm: url }) in a browser: the module is fetched from a URL (what a strict
// Content-Security-Policy or a CDN cache needs) instead of the bytes embedded in the JS.
import { beforeAll, expect, it, vi } from 'vitest';
import wasmUrl from '../../build/batchnorm.wasm?url';
import { BatchNormalization, init } from '../../src/index.js';
import { runFixture } from '../helpers/run-fixture.js';
import { float32Fixtures } from './fixtures.js';

const fetchSpy = vi.spyOn(globalThis, 'fetch');

beforeAll(async () => {
  expect(await init({ wasm: wasmUrl })).toEqual({ backend: 'wasm', simd: true });
});

it('fetched the .wasm from the given URL', async () => {
  expect(fetchSpy).toHaveBeenCalledWith(wasmUrl);
  const response = await fetch(wasmUrl);
  expect(response.headers.get('content-type')).toMatch(/application\/wasm/);
});

it('the fetched module runs the layer', () => {
  const bn = new BatchNormalization([1, 1], [0, 0]);
  expect(bn.backend).toBe('wasm');
  const y = bn.forward({ data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] });
  expect(Array.from(y.data, (v) => Math.round(v * 1e4) / 1e4)).toEqual([-1, -1, 1, 1]);
  bn.dispose();
});

it.each(float32Fixtures.slice(0, 4).map((fx) => [fx.name, fx] as const))('passes %s', (_name, fx) => {
  expect(runFixture(fx, 'wasm')).toEqual([]);
});

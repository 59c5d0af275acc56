// init({ backend: 'js' }) in a browser that has Wasm SIMD: new layers use the JS
// kernels and pass the fixtures. (A file of its own: each file gets a fresh iframe.)
import { beforeAll, expect, it } from 'vitest';
import { BatchNormalization, init } from '../../src/index.js';
import { runFixture } from '../helpers/run-fixture.js';
import { float32Fixtures } from './fixtures.js';

beforeAll(async () => {
  expect(await init({ backend: 'js' })).toEqual({ backend: 'js', simd: true });
});

it('makes new layers default to the JS backend', () => {
  const bn = new BatchNormalization([1, 2], [0, 0]);
  expect(bn.backend).toBe('js');
  bn.dispose();
});

it.each(float32Fixtures.map((fx) => [fx.name, fx] as const))('the JS backend passes %s', (_name, fx) => {
  expect(runFixture(fx, 'js')).toEqual([]);
});

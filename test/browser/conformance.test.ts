// The fixture conformance suite in Chromium, for both backends, after a plain init():
// in a browser with Wasm SIMD the default must be the SIMD Wasm backend.
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, init } from '../../src/index.js';
import { runFixture } from '../helpers/run-fixture.js';
import { float32Fixtures } from './fixtures.js';

beforeAll(async () => {
  expect(await init()).toEqual({ backend: 'wasm', simd: true });
});

it('runs in a real browser with Wasm SIMD, and new layers default to the Wasm backend', () => {
  expect(typeof window).toBe('object');
  expect(navigator.userAgent).toMatch(/Chrome/);
  const bn = new BatchNormalization([1, 1, 1], [0, 0, 0]);
  expect(bn.backend).toBe('wasm');
  bn.dispose();
});

it('loads every float32 fixture', () => {
  expect(float32Fixtures.length).toBeGreaterThanOrEqual(10);
});

describe.each(['wasm', 'js'] as const)('fixtures on the %s backend', (backend) => {
  it.each(float32Fixtures.map((fx) => [fx.name, fx] as const))('%s', (_name, fx) => {
    expect(runFixture(fx, backend)).toEqual([]);
  });
});

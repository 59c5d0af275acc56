// In a browser with Wasm SIMD, a plain init() must pick the SIMD Wasm backend and new
// layers must use it. (The fixture and parity suites that run here too are the node
// suite's own files: see vitest.browser.config.ts.)
import { expect, it } from 'vitest';
import { BatchNormalization, init } from '../../src/index.js';

it('runs inside Chromium, not Node', () => {
  expect(navigator.userAgent).toMatch(/HeadlessChrome/);
  expect((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node).toBeUndefined();
});

it('init() picks the Wasm backend with SIMD, and new layers use it', async () => {
  expect(await init()).toEqual({ backend: 'wasm', simd: true });
  const bn = new BatchNormalization([1, 1, 1], [0, 0, 0]);
  expect(bn.backend).toBe('wasm');
  bn.dispose();
});

// In a browser with Wasm SIMD, a plain init() must pick the SIMD Wasm backend and new
// layers must use it. (The fixture and parity suites that run here too are the node
// suite's own files: see vitest.browser.config.ts.)
import { expect, it } from 'vitest';
import { server } from 'vitest/browser';
import { BatchNormalization, init } from '../../src/index.js';

// What each engine's user agent says about it (Firefox's names no "Headless").
const USER_AGENT: Record<string, RegExp> = {
  chromium: /HeadlessChrome\/\d+/,
  firefox: /Gecko\/\d+ Firefox\/\d+/,
};

it('runs inside the engine its project names, not Node', () => {
  expect(Object.keys(USER_AGENT)).toContain(server.browser);
  expect(navigator.userAgent).toMatch(USER_AGENT[server.browser]);
  for (const [engine, ua] of Object.entries(USER_AGENT)) {
    if (engine !== server.browser) expect(navigator.userAgent).not.toMatch(ua);
  }
  expect((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node).toBeUndefined();
});

it('init() picks the Wasm backend with SIMD, and new layers use it', async () => {
  expect(await init()).toEqual({ backend: 'wasm', simd: true });
  const bn = new BatchNormalization([1, 1, 1], [0, 0, 0]);
  expect(bn.backend).toBe('wasm');
  bn.dispose();
});

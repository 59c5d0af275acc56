// `npm run test:browser`: the library in real headless Chromium.
//  - project "chromium": runs inside the page (vitest browser mode). It runs the node
//    suite's fixture and parity files unchanged, plus test/browser/*.test.ts. Each file
//    gets its own iframe, so each can init() the library its own way.
//  - project "chromium-isolated": test/browser/threads.test.ts again, in a page served with
//    COOP/COEP (cross-origin isolated), where init({ threads }) can start workers. The
//    file reads which kind of page it should be in with inject('isolatedPage').
//  - project "browser-e2e": test/browser/node/*.test.ts run in Node and drive Chromium
//    with Playwright (the Vite example app, the experiment page, the demo page, CSP, dist and
//    its size).
// Needs `npm run build` and `npm run build:web` first (the e2e tests load dist/ and out/web/)
// and examples/browser installed.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { ISOLATION_HEADERS } from './scripts/demo-web.mjs';
import { chromiumLaunchOptions } from './test/browser/chromium.js';

// Browser mode as both in-page projects use it (a fresh provider for each).
const browser = () => ({
  enabled: true,
  headless: true,
  provider: playwright({ launchOptions: chromiumLaunchOptions }),
  instances: [{ browser: 'chromium' as const }],
  screenshotFailures: false,
});

export default defineConfig({
  test: {
    projects: [
      {
        resolve: {
          // The node suite reads fixtures with fs; in the browser they come bundled.
          alias: [{ find: /^\.\/helpers\/fixtures-node\.js$/, replacement: fileURLToPath(new URL('./test/browser/fixtures.ts', import.meta.url)) }],
        },
        test: {
          name: 'chromium',
          sequence: { groupOrder: 0 }, // before browser-e2e: the demo's timings need the cores
          include: ['test/fixtures.test.ts', 'test/parity.test.ts', 'test/browser/*.test.ts'],
          exclude: ['test/browser/worker-threads.test.ts'], // needs the isolated page
          testTimeout: 60_000,
          isolate: true, // a fresh iframe per file: no-simd.test.ts stubs WebAssembly before init()
          provide: { isolatedPage: false },
          browser: browser(),
        },
      },
      {
        // Vite's dev server sends these on every response, the tester iframes' included.
        server: { headers: ISOLATION_HEADERS },
        test: {
          name: 'chromium-isolated',
          sequence: { groupOrder: 0 },
          include: ['test/browser/threads.test.ts', 'test/browser/worker-threads.test.ts'],
          testTimeout: 60_000,
          provide: { isolatedPage: true },
          browser: browser(),
        },
      },
      {
        test: {
          name: 'browser-e2e',
          sequence: { groupOrder: 1 },
          include: ['test/browser/node/*.test.ts'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 90_000,
          // One at a time: each starts its own Chromium, and the demo's timings suffer
          // from sharing two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});

// `npm run test:browser`: the library in real headless browsers, Chromium and Firefox, the
// same tests in each (BROWSERS=firefox or BROWSERS=chromium runs one engine alone).
//  - projects "page (ENGINE)": run inside the page (vitest browser mode, on puppeteer-core:
//    test/browser/puppeteer-provider.ts). They run the node suite's fixture and parity files
//    unchanged, plus test/browser/*.test.ts. Each file gets its own iframe, so each can
//    init() the library its own way.
//  - projects "isolated (ENGINE)": test/browser/threads.test.ts again, in a page served with
//    COOP/COEP (cross-origin isolated), where init({ threads }) can start workers. The
//    file reads which kind of page it should be in with inject('isolatedPage').
//  - projects "e2e (ENGINE)": test/browser/node/*.test.ts run in Node and drive the engine
//    that inject('engine') names with puppeteer-core (the Vite example app, the experiment
//    page, the demo pages, CSP). dist/ and its size, which no browser checks, run once.
// Needs `npm run build` and `npm run build:web` first (the e2e tests load dist/ and out/web/)
// and examples/browser installed.
import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectConfiguration } from 'vitest/config';
import { ISOLATION_HEADERS } from './scripts/demo-web.mjs';
import { enginesToRun } from './scripts/browsers.mjs';
import { puppeteerProvider } from './test/browser/puppeteer-provider.js';

const engines = enginesToRun();

// Browser mode as the in-page projects use it (a fresh provider for each): an instance per engine.
const browser = () => ({
  enabled: true,
  headless: true,
  provider: puppeteerProvider(),
  instances: engines.map((engine) => ({ browser: engine })),
  screenshotFailures: false,
});

const e2e = engines.map((engine, i): TestProjectConfiguration => ({
  test: {
    name: `e2e (${engine})`,
    sequence: { groupOrder: 1 + i }, // one engine at a time: the demo's timings need the cores
    include: ['test/browser/node/*.test.ts'],
    // dist/'s imports and size are no browser's business: checked once.
    exclude: i === 0 ? [] : ['test/browser/node/package-dist.test.ts'],
    environment: 'node',
    testTimeout: 90_000,
    hookTimeout: 90_000,
    // One at a time: each starts its own browser, and the demo's timings suffer from
    // sharing two cores.
    fileParallelism: false,
    provide: { engine },
  },
}));

export default defineConfig({
  test: {
    projects: [
      {
        resolve: {
          // The node suite reads fixtures with fs; in the browser they come bundled.
          alias: [{ find: /^\.\/helpers\/fixtures-node\.js$/, replacement: fileURLToPath(new URL('./test/browser/fixtures.ts', import.meta.url)) }],
        },
        test: {
          name: 'page',
          sequence: { groupOrder: 0 }, // before the e2e projects: the demo's timings need the cores
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
          name: 'isolated',
          sequence: { groupOrder: 0 },
          include: ['test/browser/threads.test.ts', 'test/browser/worker-threads.test.ts'],
          testTimeout: 60_000,
          provide: { isolatedPage: true },
          browser: browser(),
        },
      },
      ...e2e,
    ],
  },
});

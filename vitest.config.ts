import { defineConfig } from 'vitest/config';

// Node suite. The Chromium suite has its own config (vitest.browser.config.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', '**/node_modules/**'],
    testTimeout: 60_000,
  },
});

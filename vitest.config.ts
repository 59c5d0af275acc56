import { defineConfig } from 'vitest/config';

// Node suite. The Chromium suite has its own config (vitest.browser.config.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', '**/node_modules/**'],
    testTimeout: 60_000,
    // The package tests' hooks pack the package and run tools on it: 10 s, vitest's default,
    // is too little on 2 busy cores (attw's hook took longer while other suites ran).
    hookTimeout: 120_000,
  },
});

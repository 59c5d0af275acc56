// Numbers the documentation states that a test elsewhere enforces: the page says what the
// test checks, so that raising a budget without the page (it happened twice) fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { BUDGET_GZIP_BYTES, LAZY_BUDGET_GZIP_BYTES, UNBUNDLED_BUDGET_GZIP_BYTES } from './browser/node/size.js';
import { root } from './helpers/packed.js';

const kb = (bytes: number) => `${Number((bytes / 1000).toFixed(1))} KB`;

it('docs/BROWSER.md states the size budgets the browser suite enforces', () => {
  const page = readFileSync(join(root, 'docs/BROWSER.md'), 'utf8').replace(/\s+/g, ' ');
  expect(page).toContain(`under ${kb(BUDGET_GZIP_BYTES)} gzipped`);
  expect(page).toContain(`on demand under ${kb(LAZY_BUDGET_GZIP_BYTES)}`);
  expect(page).toContain(`stays under ${kb(UNBUNDLED_BUDGET_GZIP_BYTES)}`);
});

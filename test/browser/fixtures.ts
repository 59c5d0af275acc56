// The fixture cases for tests running inside the browser: bundled by Vite at import
// time (no fs), in the order of test/fixtures/index.json. vitest.browser.config.ts
// aliases test/helpers/fixtures-node.ts to this file, so that the node suite's
// test/fixtures.test.ts runs unchanged in Chromium.
import type { FixtureCase } from '../helpers/run-fixture.js';

const files = import.meta.glob('../fixtures/*.json', { eager: true, import: 'default' });
const index = files['../fixtures/index.json'] as { cases: Array<{ file: string }> };

/** Same contract as loadFixtures() in test/helpers/fixtures-node.ts. */
export function loadFixtures(): FixtureCase[] {
  return index.cases.map((c) => {
    const fx = files[`../fixtures/${c.file}`] as FixtureCase | undefined;
    if (!fx) throw new Error(`test/fixtures/${c.file} is listed in index.json but missing`);
    return fx;
  });
}

export const float32Fixtures: FixtureCase[] = loadFixtures().filter((fx) => !fx.f64_only);

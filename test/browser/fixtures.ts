// The fixture cases for tests running inside the browser: bundled by Vite at import
// time (no fs), in the order of test/fixtures/index.json, float32-capable cases only.
import type { FixtureCase } from '../helpers/run-fixture.js';

const files = import.meta.glob('../fixtures/*.json', { eager: true, import: 'default' });
const index = files['../fixtures/index.json'] as { cases: Array<{ file: string }> };

export const float32Fixtures: FixtureCase[] = index.cases
  .map((c) => {
    const fx = files[`../fixtures/${c.file}`] as FixtureCase | undefined;
    if (!fx) throw new Error(`test/fixtures/${c.file} is listed in index.json but missing`);
    return fx;
  })
  .filter((fx) => !fx.f64_only);

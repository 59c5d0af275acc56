// Loads the fixture cases listed in test/fixtures/index.json (Node only).
import { readFileSync } from 'node:fs';
import type { FixtureCase } from './run-fixture.js';

const dir = new URL('../fixtures/', import.meta.url);

export function loadFixtures(): FixtureCase[] {
  const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as { cases: Array<{ file: string }> };
  return index.cases.map((c) => JSON.parse(readFileSync(new URL(c.file, dir), 'utf8')) as FixtureCase);
}

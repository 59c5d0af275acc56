// engines says exactly which Node lines CI tests: CI's own Node 20 runs `npm test`, and
// `npm run test:node` runs the suite again on each version pinned in scripts/node-versions.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { root } from './helpers/packed.js';

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pinned: Record<string, string> = JSON.parse(readFileSync(join(root, 'scripts/node-versions.json'), 'utf8'));
const CI_OWN_NODE = '20'; // the machine's node, which .ci/run's `npm test` uses

it('engines admits the Node lines CI tests, and no other', () => {
  const ranges = (manifest.engines.node as string).split('||').map((r) => r.trim());
  const majors = ranges.map((r) => /^\^(\d+)\.\d+\.\d+$/.exec(r)?.[1]);
  expect(majors.every((m) => m !== undefined), `every range of ${manifest.engines.node} is ^x.y.z`).toBe(true);
  expect([...majors].sort()).toEqual([CI_OWN_NODE, ...Object.keys(pinned)].sort());
  // Each pinned version is the line it stands for, at or past the range's first release.
  for (const [major, version] of Object.entries(pinned)) {
    const floor = ranges[majors.indexOf(major)].slice(1).split('.').map(Number);
    const v = version.split('.').map(Number);
    expect(v[0], version).toBe(Number(major));
    expect(v[1] > floor[1] || (v[1] === floor[1] && v[2] >= floor[2]), `${version} within ${ranges[majors.indexOf(major)]}`).toBe(true);
  }
});

it('CI runs the suite on every pinned version', () => {
  const script: string = manifest.scripts['test:node'];
  for (const major of Object.keys(pinned)) expect(script).toContain(`with-node.mjs ${major} -- npx vitest run`);
  expect(readFileSync(join(root, '.ci/run'), 'utf8')).toMatch(/^npm run test:node$/m);
  // And the README says so, version by version.
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const version of Object.values(pinned)) expect(readme).toContain(version);
});

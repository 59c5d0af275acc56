// Builds dist/ from src/ in both module formats, from a clean folder (so that a file removed
// from src/ cannot linger in the package):
//   dist/*.js, *.d.ts     ESM, what `import` and browsers get (tsconfig.build-js.json,
//                         tsconfig.build.json: the .js without comments, for the size budgets)
//   dist/cjs/*.js, *.d.ts CommonJS, what `require` gets (tsconfig.build-cjs.json), with a
//                         package.json of its own that says so to Node and to TypeScript
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync('dist', { recursive: true, force: true });
for (const config of ['tsconfig.build.json', 'tsconfig.build-js.json', 'tsconfig.build-cjs.json']) {
  const { status } = spawnSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');
console.log('build-ts: dist/ (ESM) and dist/cjs/ (CommonJS)');

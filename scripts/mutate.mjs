// npm run mutate [-- StrykerJS options]: mutation testing of src/ against the unit tests
// (stryker.config.mjs), on Node 26 (StrykerJS 10 needs Node 22 or later), then the score per
// file with the listed equivalents left out (scripts/mutation-score.mjs). Options pass through:
//   npm run mutate -- --mutate src/intake.ts     one file
//   npm run mutate -- --force                    every mutant again (the run is incremental)
//   npm run mutate -- --tests 'test/a.test.ts,test/b*.test.ts'   only these tests (vitest.mutate.config.ts)
import { spawnSync } from 'node:child_process';

const run = (command, args) => spawnSync(command, args, { stdio: 'inherit', shell: process.platform === 'win32' }).status ?? 1;

// --tests is ours, not StrykerJS's: it reaches vitest.mutate.config.ts through the environment.
const args = process.argv.slice(2);
const at = args.indexOf('--tests');
if (at >= 0) process.env.MUTATE_TESTS = args.splice(at, 2)[1];

let status = run('npm', ['run', 'build:wasm']); // src/wasm/kernel-bytes.generated.ts
if (status === 0) status = run(process.execPath, ['scripts/with-node.mjs', '26', '--', 'npx', 'stryker', 'run', ...args]);
if (status === 0) status = run(process.execPath, ['scripts/mutation-score.mjs']);
process.exit(status);

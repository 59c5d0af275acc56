// Runs a command with another Node version first on PATH:
//   node scripts/with-node.mjs 26 -- npm run bench:core
// The versions CI tests are pinned in node-versions.json beside this file. Each comes from
// the npm registry's node-<platform>-<arch> package (the only registry CI reaches), unpacked
// once into node_modules/.cache/node/<version>/ and reused. `node scripts/with-node.mjs 26 --print`
// prints the bin folder instead of running anything.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

// The exact versions CI runs, by major (node-versions.json); Node 20, past its end of life, is
// CI's own node, which runs npm test.
const NODE_VERSIONS = JSON.parse(readFileSync(new URL('node-versions.json', import.meta.url), 'utf8'));

const platform = process.platform === 'win32' ? 'win' : process.platform;
const cacheRoot = resolve('node_modules/.cache/node');

function binFolder(version) {
  const dir = join(cacheRoot, version);
  const bin = platform === 'win' ? dir : join(dir, 'bin');
  if (existsSync(join(bin, platform === 'win' ? 'node.exe' : 'node'))) return bin;
  const tmp = mkdtempSync(join(tmpdir(), 'with-node-'));
  try {
    const pkg = `node-${platform}-${process.arch}@${version}`;
    console.error(`with-node: fetching ${pkg} from the npm registry`);
    const file = execFileSync('npm', ['pack', pkg, '--pack-destination', tmp, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
    execFileSync('tar', ['-xzf', join(tmp, file), '-C', tmp]);
    mkdirSync(cacheRoot, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, 'package'), dir); // whole or not at all: a killed fetch leaves no half folder
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

const [major, ...rest] = process.argv.slice(2);
const version = NODE_VERSIONS[major] ?? (/^\d+\.\d+\.\d+$/.test(major ?? '') ? major : undefined);
if (!version) {
  console.error(`with-node: usage: node scripts/with-node.mjs <${Object.keys(NODE_VERSIONS).join('|')}|x.y.z> (--print | -- command...); got ${major}`);
  process.exit(2);
}
const bin = binFolder(version);
if (rest[0] === '--print') {
  console.log(bin);
  process.exit(0);
}
const command = rest[0] === '--' ? rest.slice(1) : rest;
if (command.length === 0) {
  console.error('with-node: no command after --');
  process.exit(2);
}
const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` };
// npm's own scripts find node through PATH too, so `npm run x` runs x on this version.
const r = spawnSync(command[0], command.slice(1), { stdio: 'inherit', env, shell: platform === 'win' });
if (r.error) throw r.error;
process.exit(r.status ?? 1);

// The package as a user gets it: `npm pack` of the built tree, unpacked into a fresh project's
// node_modules next to its one dependency (copied from this repository's node_modules, so no
// network is needed). The tests that use it need `npm run build` first (`npm test` does it):
// assertBuilt() says so rather than testing a stale dist/.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function newest(dir: string): number {
  return Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) =>
    e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs));
}

/** Throws unless dist/ (both formats) and build/ exist and are newer than every file of src/. */
export function assertBuilt(): void {
  const last = join(root, 'dist/cjs/package.json'); // written last by scripts/build-ts.mjs
  for (const file of ['build/batchnorm.wasm', 'dist/index.js', 'dist/cjs/index.js', 'dist/cjs/package.json']) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`);
  }
  if (statSync(last).mtimeMs < newest(join(root, 'src'))) {
    throw new Error('dist/ is older than src/: run `npm run build` first (npm test does)');
  }
}

export interface Packed {
  /** The .tgz file. */
  tarball: string;
  /** The paths in the tarball, relative to the package's root. */
  files: string[];
  /** The tarball's size in bytes, and the size of what it unpacks to. */
  size: number;
  unpackedSize: number;
}

/** `npm pack` of this repository (already built: no prepack build) into a new temporary folder. */
export function pack(): Packed {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'bn-pack-'));
  const npm = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: root, encoding: 'utf8', shell: process.platform === 'win32',
  });
  if (npm.status !== 0) throw new Error(`npm pack failed (${npm.status}):\n${npm.stderr}`);
  const [info] = JSON.parse(npm.stdout) as Array<{ filename: string; size: number; unpackedSize: number; files: Array<{ path: string }> }>;
  return { tarball: join(dir, info.filename), files: info.files.map((f) => f.path).sort(), size: info.size, unpackedSize: info.unpackedSize };
}

/**
 * A new project folder whose node_modules holds the packed package and its dependency, as
 * npm would lay them out; packageJson is the project's own package.json.
 */
export function consumerProject(packed: Packed, packageJson: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'bn-consumer-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, ...packageJson }, null, 2));
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  const tar = spawnSync('tar', ['-xzf', packed.tarball, '-C', modules], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`tar -xzf failed (${tar.status}):\n${tar.stderr}`);
  renameSync(join(modules, 'package'), join(modules, 'batchnorm-wasm')); // npm tarballs hold package/
  cpSync(join(root, 'node_modules/@assemblyscript/loader'), join(modules, '@assemblyscript/loader'), { recursive: true });
  return dir;
}

/**
 * Links a package of this repository's node_modules into the project's (e.g. @types/node for
 * tsc). A link, not a copy: Node and tsc follow it to its real place, where its own
 * dependencies are found.
 */
export function linkFromRepo(project: string, name: string): void {
  const from = join(root, 'node_modules', name);
  if (!existsSync(from)) throw new Error(`${name} is not in this repository's node_modules (a devDependency?)`);
  const to = join(project, 'node_modules', name);
  mkdirSync(dirname(to), { recursive: true });
  symlinkSync(from, to, 'junction');
}

/** A consumer project of "type": "module" with @types/node linked: what tsc over the package's types needs. */
export function moduleConsumer(packed: Packed): string {
  const project = consumerProject(packed, { type: 'module' });
  linkFromRepo(project, '@types/node');
  return project;
}

/** Removes consumer projects and the tarball's folder; any may be missing (a beforeAll that failed). */
export function removePacked(packed: Packed | undefined, projects: ReadonlyArray<string | undefined> = []): void {
  for (const dir of [...projects, packed && dirname(packed.tarball)]) if (dir) rmSync(dir, { recursive: true, force: true });
}

// A throwaway copy of dist/ whose MIN_ELEMENTS_PER_THREAD is replaced, so that the
// crossover bench can split tensors the library would keep on one thread (src/ stays as
// it is). The copy lives in a temporary folder and is removed when the process exits.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');
const CONSTANT = /export const MIN_ELEMENTS_PER_THREAD = [^;]+;/;

/** Imports dist/index.js from a copy whose threshold is minPerThread; resolves with its exports. */
export async function importPatchedDist(minPerThread) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bn-threads-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  cpSync(DIST, path.join(dir, 'dist'), { recursive: true });
  // Outside the repository no package.json says "type": "module", and no node_modules holds
  // the library's dependency (@assemblyscript/loader): link the repository's.
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(path.resolve(DIST, '..', 'node_modules'), path.join(dir, 'node_modules'), 'junction');
  const file = path.join(dir, 'dist', 'threads', 'threaded-runner.js');
  const source = readFileSync(file, 'utf8');
  if (!CONSTANT.test(source)) throw new Error('bench/threads: MIN_ELEMENTS_PER_THREAD not found in dist/threads/threaded-runner.js');
  writeFileSync(file, source.replace(CONSTANT, `export const MIN_ELEMENTS_PER_THREAD = ${minPerThread};`));
  return import(pathToFileURL(path.join(dir, 'dist', 'index.js')).href);
}

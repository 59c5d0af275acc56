// The experiment's training core is shared by `npm start` and the page's Worker, so nothing it
// imports, directly or through other experiment files, may need Node.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const experiment = resolve(dirname(fileURLToPath(import.meta.url)), '../experiment');
// What web/ imports from experiment/.
const CORE = ['grid.ts', 'mnist-bytes.ts', 'svg.ts', 'result.ts', 'defaults.ts'];

/** Every import specifier of the experiment files reachable from `roots`, by importing file. */
function importsFrom(roots: string[]): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const source = readFileSync(file, 'utf8');
    const specs = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]);
    seen.set(file, specs);
    for (const s of specs) {
      const target = resolve(dirname(file), s.replace(/\.js$/, '.ts'));
      if (s.startsWith('.') && dirname(target) === experiment) visit(target);
    }
  };
  roots.forEach((r) => visit(join(experiment, r)));
  return seen;
}

it('imports no Node module, the mnist package or the Node-only experiment files', () => {
  const found = importsFrom(CORE);
  const files = [...found.keys()].map((f) => relative(experiment, f)).sort();
  // The walk really followed the imports: the training loop and the network came along.
  expect(files).toEqual(expect.arrayContaining(['grid.ts', 'layers.ts', 'net.ts', 'rng.ts', 'train.ts', 'mnist-bytes.ts']));
  for (const [file, specs] of found) {
    for (const s of specs) {
      const bad = !s.startsWith('.') || ['./mnist.js', './experiment.js', './progress.js', './args.js', './main.js'].includes(s);
      expect(bad, `${relative(experiment, file)} imports '${s}'`).toBe(false);
    }
  }
});

// The structure of src/ as docs/ARCHITECTURE.md describes it: no import cycle, type-only
// imports included; wasm/ never imports threads/ (threads plug in through the StepRunner
// interface); types.ts is a leaf; one file alone makes Wasm memory and instances; no two
// files share a name. Imports are read from the source text, so the checks run without
// building anything; the cycle finder is itself checked on a graph with a known cycle.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

// Every module a file names: import/export ... from (type-only too), bare import, import().
const IMPORT = /(?:\b(?:import|export)\b[^'";]*?\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"]+)\1/g;

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

// The worker's program is source text inside a template literal: not imports of this file.
function withoutTemplates(text: string): string {
  return text.replace(/`(?:\\[\s\S]|[^\\`])*`/g, '``');
}

const files = sources(src).map((f) => relative(src, f).replaceAll('\\', '/'));
const text = new Map(files.map((f) => [f, withoutComments(readFileSync(join(src, f), 'utf8'))]));
const graph = new Map(files.map((f) => {
  const targets = [...withoutTemplates(text.get(f)!).matchAll(IMPORT)].map((m) => m[2]).filter((s) => s.startsWith('.'))
    .map((s) => relative(src, resolve(dirname(join(src, f)), s)).replaceAll('\\', '/').replace(/\.js$/, '.ts'));
  return [f, targets];
}));

/** The cycles of a graph, each as the path that closes it (depth-first; one per back edge). */
export function findCycles(g: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of g.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of g.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('the structure of src/', () => {
  it('reads the imports it checks (every import resolves to a file of src/)', () => {
    expect(files.length).toBeGreaterThan(20);
    const edges = [...graph.values()].flat();
    expect(edges.length).toBeGreaterThan(40);
    expect(edges.filter((t) => !files.includes(t) && !t.endsWith('.generated.ts'))).toEqual([]);
  });

  it('finds a cycle where there is one (the checker checked)', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []]]);
    expect(findCycles(g)).toEqual([['a', 'b', 'c', 'a']]);
    expect(findCycles(new Map([['a', ['b']], ['b', []], ['c', ['b']]]))).toEqual([]);
  });

  it('has no import cycle, type-only imports included', () => {
    expect(findCycles(graph).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('wasm/ never imports threads/; js/ imports neither', () => {
    const bad = [...graph].flatMap(([f, ts]) => ts.filter((t) =>
      (f.startsWith('wasm/') && t.startsWith('threads/')) || (f.startsWith('js/') && (t.startsWith('wasm/') || t.startsWith('threads/'))))
      .map((t) => `${f} -> ${t}`));
    expect(bad).toEqual([]);
  });

  it('types.ts, the shared types, is a leaf', () => {
    expect(graph.get('types.ts')).toEqual([]);
  });

  it('only wasm/instantiate.ts makes Wasm memory, modules and instances', () => {
    const making = /WebAssembly\.(?:instantiate|instantiateStreaming|compile|compileStreaming)\b|new\s+WebAssembly\.(?:Memory|Instance|Module)\b|from\s+['"]@assemblyscript\/loader['"]/;
    expect(files.filter((f) => making.test(text.get(f)!))).toEqual(['wasm/instantiate.ts']);
  });

  it('names each file once: no two files share a name', () => {
    const names = files.map((f) => f.split('/').pop()!);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});

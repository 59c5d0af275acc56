// What the packed package holds and declares: the files a user needs and nothing of the
// repository's own (sources, tests), a license, no script that runs when it is installed,
// exports whose every target is in it, every file its Markdown pages link or show, and the
// embedded kernels identical to the shipped .wasm.
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { consumerProject, pack, type Packed, removePacked, root } from './helpers/packed.js';

let packed: Packed;
let project: string;
let unpacked: string;
beforeAll(() => {
  packed = pack();
  project = consumerProject(packed, {});
  unpacked = join(project, 'node_modules/batchnorm-wasm');
  console.log(`tarball: ${packed.size} bytes, ${packed.unpackedSize} unpacked, ${packed.files.length} files`);
});
afterAll(() => {
  removePacked(packed, [project]);
});

const manifest = () => JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));

it('holds the builds, the kernels, the license and the docs, and none of src/, assembly/ or test/', () => {
  for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'build/batchnorm.wasm']) {
    expect(packed.files, file).toContain(file);
  }
  const top = new Set(packed.files.map((f) => f.split('/')[0]));
  expect([...top].sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'bench', 'build', 'dist', 'docs', 'package.json']);
  expect(packed.files.filter((f) => f.startsWith('build/'))).toEqual(['build/batchnorm.wasm']);
  expect(packed.files.filter((f) => f.endsWith('.map')), 'source maps (no sources ship for them to point at)').toEqual([]);
});

it('dist/cjs/ is CommonJS to Node and to TypeScript', () => {
  expect(JSON.parse(readFileSync(join(unpacked, 'dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  expect(readFileSync(join(unpacked, 'dist/cjs/index.js'), 'utf8')).toMatch(/exports\.init = /);
});

it('is MIT licensed, as package.json says', () => {
  const license = readFileSync(join(unpacked, 'LICENSE'), 'utf8');
  expect(manifest().license).toBe('MIT');
  expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} The batchnorm-wasm authors\n/);
  expect(license).toMatch(/THE SOFTWARE IS PROVIDED "AS IS"/);
});

it('has a changelog entry for its version and one for what is not released yet', () => {
  const headings = readFileSync(join(unpacked, 'CHANGELOG.md'), 'utf8').split('\n').filter((l) => l.startsWith('## '));
  expect(headings).toContain('## Unreleased');
  expect(headings).toContain(`## ${manifest().version}`);
});

it('runs no script when installed', () => {
  const scripts = manifest().scripts ?? {};
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(scripts[hook], hook).toBeUndefined();
});

it('every target of exports (and main, module, types) is in the tarball', () => {
  const targets: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') targets.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  const m = manifest();
  walk(m.exports);
  walk([m.main, m.module, m.types]);
  expect(targets.length).toBeGreaterThan(8);
  for (const t of targets) expect(packed.files, t).toContain(t.replace(/^\.\//, ''));
  expect(m.exports['./batchnorm.wasm']).toBe('./build/batchnorm.wasm');
});

it('declares the embedded kernels as a string, and they are the bytes of build/batchnorm.wasm', () => {
  for (const dir of ['dist', 'dist/cjs']) {
    expect(readFileSync(join(unpacked, dir, 'wasm/kernel-bytes.generated.d.ts'), 'utf8')).toContain('export declare const kernelBase64: string;');
  }
  const js = readFileSync(join(unpacked, 'dist/wasm/kernel-bytes.generated.js'), 'utf8');
  const base64 = /kernelBase64 = '([A-Za-z0-9+/=]+)'/.exec(js)?.[1];
  expect(Buffer.from(base64 ?? '', 'base64').equals(readFileSync(join(unpacked, 'build/batchnorm.wasm')))).toBe(true);
});

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered.
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, text] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const slug = text.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

// The targets of a Markdown page's links and images, outside code.
function links(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [
    ...[...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]),
    ...[...prose.matchAll(/<(?:img|a|source)\b[^>]*\b(?:src|href|srcset)="([^"]+)"/g)].map((m) => m[1]),
  ];
}

it('every file a shipped Markdown page links or shows is in the tarball, and every anchor is a heading of its page', () => {
  expect(readFileSync(join(unpacked, 'README.md'), 'utf8')).toBe(readFileSync(join(root, 'README.md'), 'utf8'));
  const pages = packed.files.filter((f) => f.endsWith('.md'));
  for (const page of ['README.md', 'CHANGELOG.md', 'docs/API.md', 'docs/SEMANTICS.md', 'bench/README.md']) expect(pages).toContain(page);
  const read = (f: string) => readFileSync(join(unpacked, f), 'utf8');
  let checked = 0;
  for (const page of pages) {
    for (const target of links(read(page)).filter((t) => !/^[a-z]+:/i.test(t))) {
      const [path, anchor] = target.split('#');
      const file = path === '' ? page : posix.normalize(posix.join(posix.dirname(page), decodeURI(path)));
      expect(packed.files, `${page} links ${target}`).toContain(file);
      if (anchor !== undefined) expect(anchors(read(file)), `${page} links ${target}`).toContain(anchor);
      checked++;
    }
  }
  expect(checked, 'relative links found').toBeGreaterThan(30);
});

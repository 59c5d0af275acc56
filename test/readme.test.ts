// The documentation's code as a user would paste it: every ```ts and ```js block of every
// Markdown file in the repository (README.md, docs/, bench/, ...) runs as written, in a fresh
// project that has the packed package in node_modules (so each imports it by name), with
// Node; the ```ts blocks are type-checked first, together. docs/API.md is the exception: typedoc
// writes it from the TSDoc, its blocks are signatures and fragments, and test/api-docs.test.ts
// checks it. Markers, HTML comments that GitHub does not show, on the last non-blank line
// before a block:
//   <!-- not run: REASON -->        the block is not run (e.g. it needs a browser); the test
//                                   lists these blocks with their reasons
//   <!-- output of the block above --> before a ```text block: what the run block before it
//                                   prints, compared exactly
// A ```js block that calls require() and has no import statement runs as CommonJS (.cjs);
// every other block as an ES module. A block may import other packages: they are linked from
// this repository's node_modules, so a recipe for another library runs once that library is a
// devDependency (or is marked not run).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkFromRepo, moduleConsumer, pack, type Packed, removePacked, root } from './helpers/packed.js';

interface Block {
  file: string;
  lang: string;
  line: number; // of the opening fence, 1-based
  code: string;
  notRun?: string;
  output?: string;
}

const NOT_RUN = /^<!--\s*not run:\s*(.*?)\s*-->$/;
const OUTPUT = /^<!--\s*output of the block above\s*-->$/;

/** The fenced blocks of a markdown text, with the marker on the last non-blank line before each. */
function codeBlocks(markdown: string, file = 'README.md'): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let lastText = '';
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]);
    if (!open) {
      if (lines[i].trim() !== '') lastText = lines[i].trim();
      continue;
    }
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !/^```\s*$/.test(lines[i])) body.push(lines[i]);
    if (i === lines.length) throw new Error(`${file} line ${start + 1}: the block is never closed`);
    const block: Block = { file, lang: open[1], line: start + 1, code: body.join('\n') + '\n' };
    const notRun = NOT_RUN.exec(lastText);
    if (notRun) block.notRun = notRun[1];
    if (OUTPUT.test(lastText)) {
      const before = blocks.at(-1);
      if (!before || !['ts', 'js'].includes(before.lang)) throw new Error(`${file} line ${start + 1}: an output block must follow a run block`);
      before.output = block.code;
    }
    blocks.push(block);
    lastText = '';
  }
  return blocks;
}

/** The packages a block imports or requires, but for Node's own. */
function packagesOf(code: string): string[] {
  const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm)].map((m) => m[2]);
  return [...new Set(specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/')))];
}

const isCommonJs = (b: Block) => b.lang === 'js' && /\brequire\s*\(/.test(b.code) && !/^\s*import\b/m.test(b.code);

// Every Markdown file git tracks (or would: new files count before they are committed).
const GENERATED = ['docs/API.md'];
const markdownFiles = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], { cwd: root, encoding: 'utf8' })
  .split('\n').filter((f) => f && !GENERATED.includes(f)).sort();
const blocks = markdownFiles.flatMap((f) => codeBlocks(readFileSync(join(root, f), 'utf8'), f));
const code = blocks.filter((b) => b.lang === 'ts' || b.lang === 'js');
const runnable = code.filter((b) => b.notRun === undefined);

let packed: Packed;
let project: string;
beforeAll(() => {
  packed = pack();
  project = moduleConsumer(packed);
  for (const name of new Set(runnable.flatMap((b) => packagesOf(b.code)))) {
    if (name === 'batchnorm-wasm') continue;
    linkFromRepo(project, name);
    // Its types, where they come apart from it (DefinitelyTyped: ndarray's are @types/ndarray).
    const types = `@types/${name.replace(/^@([^/]+)\/(.+)$/, '$1__$2')}`;
    if (existsSync(join(root, 'node_modules', types))) linkFromRepo(project, types);
  }
  mkdirSync(join(project, 'blocks'));
});
afterAll(() => {
  removePacked(packed, [project]);
});

const fileOf = (b: Block, ext: string) => join(project, 'blocks', `${b.file.replace(/[/.]/g, '_')}-line-${b.line}.${ext}`);

it('the marker parser reads markers, outputs and fences', () => {
  const parsed = codeBlocks(['<!-- not run: needs a browser -->', '```js', 'a()', '```', '', '```ts', 'b()', '```', 'It prints:',
    '<!-- output of the block above -->', '```text', '1 2', '```'].join('\n'));
  expect(parsed.map(({ file, lang, line, notRun, output }) => ({ file, lang, line, notRun, output }))).toEqual([
    { file: 'README.md', lang: 'js', line: 2, notRun: 'needs a browser', output: undefined },
    { file: 'README.md', lang: 'ts', line: 6, notRun: undefined, output: '1 2\n' },
    { file: 'README.md', lang: 'text', line: 11, notRun: undefined, output: undefined },
  ]);
  expect(packagesOf("import { a } from 'batchnorm-wasm';\nimport * as ort from 'onnxruntime-common';\nimport '@scope/pkg/sub';\nimport fs from 'node:fs';\nconst p = require('path');"))
    .toEqual(['batchnorm-wasm', 'onnxruntime-common', '@scope/pkg']);
});

it('finds the Markdown files, and lists the blocks that are not run, each with its reason', () => {
  for (const f of ['README.md', 'docs/SEMANTICS.md', 'docs/TENSORS.md', 'docs/THREADS.md', 'docs/BROWSER.md', 'bench/README.md']) expect(markdownFiles).toContain(f);
  expect(new Set(runnable.map((b) => b.file)).size, 'files with blocks that run').toBeGreaterThan(4);
  const skipped = code.filter((b) => b.notRun !== undefined);
  console.log(`${markdownFiles.length} Markdown files: ${runnable.length} blocks run, ${runnable.filter((b) => b.output).length} of them with their output checked; not run:\n`
    + skipped.map((b) => `  ${b.file} line ${b.line} (${b.lang}): ${b.notRun}`).join('\n'));
  for (const b of skipped) expect(b.notRun, `line ${b.line}`).not.toBe('');
  expect(runnable.length).toBeGreaterThan(skipped.length);
  expect(runnable.some((b) => b.output), 'a block whose output the README shows').toBe(true);
});

it('every ```ts block type-checks (nodenext, @types/node, the DOM lib, strict)', () => {
  const files = runnable.filter((b) => b.lang === 'ts').map((b) => {
    writeFileSync(fileOf(b, 'mts'), b.code);
    return fileOf(b, 'mts');
  });
  const p = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: ['node'], typeRoots: [join(project, 'node_modules/@types')],
    strict: true, noEmit: true, skipLibCheck: true, moduleDetection: ts.ModuleDetectionKind.Force,
  });
  const diagnostics = ts.formatDiagnostics(ts.getPreEmitDiagnostics(p), {
    getCanonicalFileName: (f) => f, getCurrentDirectory: () => project, getNewLine: () => '\n',
  });
  expect(diagnostics).toBe('');
});

describe.each(runnable.map((b) => [`${b.file} line ${b.line} (${b.lang})`, b] as const))('the block at %s', (_, block) => {
  it(`runs${block.output ? ' and prints what the file shows' : ''}`, () => {
    const ext = isCommonJs(block) ? 'cjs' : 'mjs';
    const source = block.lang === 'ts'
      ? ts.transpileModule(block.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
      : block.code;
    writeFileSync(fileOf(block, ext), source);
    const run = spawnSync(process.execPath, [fileOf(block, ext)], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, `exit status (signal ${run.signal}); stderr:\n${run.stderr}`).toBe(0);
    if (block.output !== undefined) expect(run.stdout).toBe(block.output);
  });
});

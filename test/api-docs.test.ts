// The API reference: typedoc (typedoc.json, what `npm run docs` runs) converts the public
// surface, src/index.ts and what it reaches, with every validation on; any warning fails.
// Its Markdown (typedoc-plugin-markdown) is committed as docs/API.md, and the test fails when
// that file is not what the sources give now. Then each public symbol's TSDoc is read from
// typedoc's model: every declaration and member but a plain getter has an @example, every
// parameter its @param, every call that returns something its @returns, and every call
// @throws unless it is listed below as one that throws nothing. Every fenced example
// type-checks against the public API.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Application, Comment, LogLevel, ReflectionKind, TSConfigReader, TypeDocReader, type DeclarationReflection, type ProjectReflection, type SignatureReflection } from 'typedoc';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Calls that throw nothing whatever their input (a getter of a plain field, a no-op).
const THROWS_NOTHING = new Set([
  'shutdown', 'wasmMemoryInfo',
  'BatchNormalization.gamma', 'BatchNormalization.beta', 'BatchNormalization.momentum', 'BatchNormalization.eps',
  'BatchNormalization.axis', 'BatchNormalization.activation', 'BatchNormalization.runningVarUnbiased',
  'BatchNormalization.trackRunningStats', 'BatchNormalization.numBatchesTracked', 'BatchNormalization.runningMean',
  'BatchNormalization.runningVar', 'BatchNormalization.dgamma', 'BatchNormalization.dbeta', 'BatchNormalization.dtype', 'BatchNormalization.disposed',
  'BatchNormalization.paramsChanged', 'BatchNormalization.state', 'BatchNormalization.toPyTorch',
  'WasmTensor.ptr', 'WasmTensor.disposed', 'WasmTensor.dispose', 'PortCollective.close',
]);

let project: ProjectReflection;
const messages: string[] = []; // warnings and errors
const out = mkdtempSync(join(tmpdir(), 'api-docs-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

beforeAll(async () => {
  // Options from typedoc.json (and the tsconfig it names) only: not from process.argv; the
  // Markdown goes to a temporary folder instead of docs/.
  const app = await Application.bootstrapWithPlugins({}, [new TypeDocReader(), new TSConfigReader()]);
  app.options.setValue('out', out);
  const log = app.logger.log.bind(app.logger);
  app.logger.log = (message, level) => {
    if (level >= LogLevel.Warn) messages.push(message);
    log(message, level);
  };
  const converted = await app.convert();
  if (!converted) throw new Error(`typedoc converted nothing: ${messages.join('\n')}`);
  project = converted;
  app.validate(project);
  await app.generateOutputs(project);
}, 60_000);

const hasTag = (comment: Comment | undefined, tag: `@${string}`) => comment?.blockTags.some((t) => t.tag === tag) ?? false;
const summary = (comment: Comment | undefined) => Comment.combineDisplayParts(comment?.summary ?? []).trim();

function signaturesOf(r: DeclarationReflection): SignatureReflection[] {
  return [...(r.signatures ?? []), ...(r.getSignature ? [r.getSignature] : []), ...(r.setSignature ? [r.setSignature] : [])];
}

// The public declarations: the project's children and their members, not the properties of
// an inline object type (those need a summary, which typedoc's validation asks for).
function publicDeclarations(): DeclarationReflection[] {
  const top = project.children ?? [];
  return [...top, ...top.flatMap((r) => (r.kindOf(ReflectionKind.ClassOrInterface) ? r.children ?? [] : []))];
}

describe('the API reference', () => {
  it('builds without a warning, every validation on', () => {
    expect(messages).toEqual([]);
    const names = (project.children ?? []).map((r) => r.name);
    for (const name of ['BatchNormalization', 'init', 'initSync', 'allocTensor', 'foldInto', 'KerasConfig', 'PyTorchBatchNorm', 'BatchNormState']) {
      expect(names).toContain(name);
    }
  });

  it('is committed as docs/API.md, as the sources give it now (npm run docs writes it)', () => {
    const committed = readFileSync('docs/API.md', 'utf8');
    expect(readFileSync(join(out, 'API.md'), 'utf8') === committed, 'docs/API.md is stale: run `npm run docs` and commit it').toBe(true);
    expect(committed).toContain('### BatchNormalization');
  });

  it('gives every public declaration and member an @example, but for a getter without a setter', () => {
    const getterOnly = (r: DeclarationReflection) => r.kindOf(ReflectionKind.Accessor) && !r.setSignature;
    const missing = publicDeclarations().filter((r) => !getterOnly(r) && !hasTag(r.comment, '@example') && !signaturesOf(r).some((s) => hasTag(s.comment, '@example')));
    expect(missing.map((r) => r.getFriendlyFullName())).toEqual([]);
    expect(publicDeclarations().length).toBeGreaterThan(100);
    // The exemption is no loophole: methods, factories and options are no getters.
    const exempt = publicDeclarations().filter(getterOnly).map((r) => r.getFriendlyFullName());
    expect(exempt).toContain('BatchNormalization.eps');
    expect(exempt).not.toContain('BatchNormalization.forward');
    expect(exempt).not.toContain('BatchNormalization.gamma');
  });

  it('documents every parameter, every result and what each call throws', () => {
    const problems: string[] = [];
    for (const r of publicDeclarations()) {
      const name = r.getFriendlyFullName();
      for (const s of signaturesOf(r)) {
        if (!summary(s.comment) && !summary(r.comment)) problems.push(`${name}: no summary`);
        for (const p of s.parameters ?? []) if (!summary(p.comment)) problems.push(`${name}: no @param ${p.name}`);
        const returns = s.kind !== ReflectionKind.ConstructorSignature && s.kind !== ReflectionKind.SetSignature
          && s.type?.toString() !== 'void';
        if (returns && !hasTag(s.comment, '@returns')) problems.push(`${name}: no @returns`);
        if (s.kind !== ReflectionKind.SetSignature && THROWS_NOTHING.has(name) === hasTag(s.comment, '@throws')) {
          problems.push(`${name}: ${THROWS_NOTHING.has(name) ? 'listed as throwing nothing, yet has @throws' : 'no @throws'}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

// The names the examples take as given, as a reader of the reference would: a layer, its
// tensors, an optimiser's step, a linear layer's weights.
const EXAMPLE_PRELUDE = `import {
  allocTensor, BatchNormalization, foldInto, init, initSync, messagePortCollective, shutdown, wasmMemoryInfo, WasmTensor,
  type Collective, type PortCollective, type PortLike,
  type Activation, type ArrayOf, type Axis, type BackendName, type BatchNormalizationOptions, type BatchNormState, type CompiledWasmModule, type DType, type FloatArray,
  type FoldableLayer, type Folded, type InitInfo, type InitOptions, type InitOptionsSync, type KerasConfig, type KerasExport, type KerasWeights,
  type PyTorchBatchNorm, type PyTorchExport, type Tensor, type TensorInput, type TensorLike, type WasmSource,
} from '../src/index.js';
import { Tensor as OrtTensor } from 'onnxruntime-common';
import { readFileSync } from 'node:fs';
declare const bn: BatchNormalization;
declare const x: WasmTensor, y: Tensor, dout: TensorLike;
declare const gamma: Float32Array, beta: Float32Array, runningMean: Float32Array, runningVar: Float32Array, mean: Float32Array, variance: Float32Array;
declare const lr: number, loadedVariance: Float32Array, values: Float32Array, bytes: Uint8Array<ArrayBuffer>;
declare const W: Float32Array, b: Float32Array, inputs: number;
declare const rank: number, size: number, r: number, ports: (PortLike | null)[], collective: PortCollective, xShard: TensorLike;
declare const port: PortLike, listener: (event: { data: unknown }) => void;
declare const myTransport: { allGather(local: Float64Array, signal: AbortSignal): Promise<Float64Array[]> };
`;

/**
 * The code of each @example (typedoc fences one that has no fence), one function each. A
 * property's example that is a value (no line ends a statement) is typed: an option's line as
 * the options, another property's as that property's type; anything else runs as statements.
 */
function exampleSources(): { name: string; code: string }[] {
  const out: { name: string; code: string }[] = [];
  for (const r of publicDeclarations()) {
    const comments = [r.comment, ...signaturesOf(r).map((s) => s.comment)];
    const owner = r.parent?.name ?? '';
    const property = r.kindOf(ReflectionKind.Property) && r.parent?.kindOf(ReflectionKind.Interface);
    for (const tag of comments.flatMap((c) => c?.blockTags.filter((t) => t.tag === '@example') ?? [])) {
      const text = Comment.combineDisplayParts(tag.content);
      for (const [, code] of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
        const lines = code.split('\n').filter((l) => l.trim()).map((l) => l.replace(/\/\/.*$/, '').trim());
        // A value, not statements: no line ends a statement.
        const value = property && lines.every((l) => !l.endsWith(';'));
        const body = value && owner === 'BatchNormalizationOptions'
          ? lines.map((l, i) => `const o${i}: BatchNormalizationOptions = ${l};`).join('\n')
          : value ? `const v: ${owner}['${r.name}'] = (${lines.join('\n')});`
            : code.replaceAll('new Tensor(', 'new OrtTensor(');
        out.push({ name: r.getFriendlyFullName(), code: body });
      }
    }
  }
  return out;
}

it('every fenced @example of the reference type-checks against the public API', () => {
  const examples = exampleSources();
  expect(examples.length, 'examples found').toBeGreaterThan(100);
  const file = join(process.cwd(), 'test', '__api_examples__.ts');
  const text = EXAMPLE_PRELUDE + examples.map((e, i) => `// ${e.name}\nexport async function example${i}() {\n${e.code}\n}\n`).join('');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: ['node'], strict: true, noEmit: true, skipLibCheck: true, noUnusedLocals: false,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) => (name === file ? ts.createSourceFile(name, text, version) : getSourceFile(name, version, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  const lines = text.split('\n');
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const owner = lines.slice(0, line + 1).reverse().find((l) => l.startsWith('// '))?.slice(3);
    return `${owner}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')} (in: ${lines[line]?.trim()})`;
  });
  expect(problems).toEqual([]);
});

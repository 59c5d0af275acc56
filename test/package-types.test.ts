// The packed package's type declarations as TypeScript projects meet them: a consumer file
// type-checked with skipLibCheck false (so every declaration file it reaches is checked too)
// and without the DOM lib (lib es2022 and @types/node, a Node-only project), in each module
// resolution mode, as an ES module and as CommonJS where the mode has both; once more with the
// DOM lib. The consumer's @ts-expect-error lines fail the check if the types turn permissive.
// Then every type reachable from the package's exports is walked: none may be `any`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleConsumer, pack, type Packed, removePacked } from './helpers/packed.js';

const consumer = `import { allocTensor, BatchNormalization, init, initSync, WasmTensor } from 'batchnorm-wasm';
import type { BatchNormState, CompiledWasmModule, InitInfo, InitOptions, KerasExport, Tensor, TensorLike, WasmSource } from 'batchnorm-wasm';

export async function main(bytes: Uint8Array, module: CompiledWasmModule): Promise<number> {
  const info: InitInfo = await init({ wasm: bytes, threads: 2 });
  const sync: InitInfo = initSync({ wasm: module });
  const sources: WasmSource[] = ['/batchnorm.wasm', new URL('file:///batchnorm.wasm'), bytes, bytes.buffer as ArrayBuffer, module];
  const options: InitOptions = { backend: 'js', wasm: sources[0] };
  const bn = new BatchNormalization(new Float32Array(2).fill(1), [0, 0], 0.9, null, null, { axis: 1, activation: 'relu6', eps: 1e-5 });
  const x: TensorLike = { data: [1, 2, 3, 4], shape: [2, 2] };
  const y: Tensor = bn.forward(x, true);
  const dx: Tensor = bn.backward({ data: new Float32Array(4), shape: [2, 2] });
  const t: WasmTensor = allocTensor([2, 2]);
  const inPlace: WasmTensor = bn.forward(t, false, t);
  const state: BatchNormState = bn.state();
  const again = BatchNormalization.fromState(state);
  const fromTorch = BatchNormalization.fromPyTorch({ weight: [1], bias: [0], running_mean: [0], running_var: [1], num_batches_tracked: 3n, momentum: null });
  const fromKeras = BatchNormalization.fromKeras({ gamma: [1], beta: [0], moving_mean: [0], moving_variance: [1] }, { axis: [3], name: 'bn' });
  const keras: KerasExport = fromKeras.toKeras();
  const counted: number | null = fromTorch.numBatchesTracked;
  // @ts-expect-error: Keras always has a moving variance
  BatchNormalization.fromKeras({ gamma: [1], beta: [0], moving_mean: [0] });
  const awaited: Tensor = await bn.forwardAsync(x, false);
  // @ts-expect-error: not a backend
  await init({ backend: 'gpu' });
  // @ts-expect-error: initSync takes no URL
  initSync({ wasm: 'https://example.org/batchnorm.wasm' });
  // @ts-expect-error: the data must be numbers
  bn.forward({ data: ['1'], shape: [1, 1] });
  return info.backend.length + sync.backend.length + (options.backend?.length ?? 0) + y.data[0] + dx.data[0] + inPlace.data[0]
    + again.eps + fromTorch.eps + awaited.data[0] + bn.gamma[0] + (bn.runningMean?.[0] ?? 0) + keras.config.momentum + (counted ?? 0)
    + (fromTorch.toPyTorch().num_batches_tracked ?? 0) + (bn.momentum ?? 0);
}
`;

interface Mode {
  name: string;
  options: ts.CompilerOptions;
  /** The consumer's file name: its extension picks ESM (.mts) or CommonJS (.cts) where the mode tells them apart. */
  file: string;
  /** The declaration file 'batchnorm-wasm' must resolve to. */
  declarations: string;
}

const ESM = 'dist/index.d.ts';
const CJS = 'dist/cjs/index.d.ts';
const common: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, skipLibCheck: false, types: ['node'], lib: ['lib.es2022.d.ts'],
};
const modes: Mode[] = [
  { name: 'node16, ES module', options: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 }, file: 'main.mts', declarations: ESM },
  { name: 'node16, CommonJS', options: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 }, file: 'main.cts', declarations: CJS },
  { name: 'nodenext, ES module', options: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }, file: 'main.mts', declarations: ESM },
  { name: 'nodenext, CommonJS', options: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }, file: 'main.cts', declarations: CJS },
  { name: 'bundler', options: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }, file: 'main.ts', declarations: ESM },
  { name: 'node10 (CommonJS)', options: { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 }, file: 'main.ts', declarations: CJS },
  {
    name: 'nodenext, ES module, with the DOM lib',
    options: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] },
    file: 'main.mts',
    declarations: ESM,
  },
];

let packed: Packed;
let project: string;
beforeAll(() => {
  packed = pack();
  project = moduleConsumer(packed);
});
afterAll(() => {
  removePacked(packed, [project]);
});

// Parsed files shared by the programs (the lib and @types/node files are the same in every mode).
const parsed = new Map<string, ts.SourceFile | undefined>();
function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const key = `${fileName}|${JSON.stringify(languageVersion)}`;
    if (!parsed.has(key)) parsed.set(key, read(fileName, languageVersion, ...rest));
    return parsed.get(key);
  };
  return host;
}

const programs = new Map<Mode, ts.Program>();
function program(mode: Mode): ts.Program {
  const made = programs.get(mode);
  if (made) return made;
  const dir = join(project, mode.name.replace(/\W+/g, '-'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, mode.file);
  writeFileSync(file, consumer);
  const options = { ...common, ...mode.options, typeRoots: [join(project, 'node_modules/@types')] };
  const p = ts.createProgram([file], options, cachingHost(options));
  programs.set(mode, p);
  return p;
}

const format = (diagnostics: readonly ts.Diagnostic[]) => ts.formatDiagnostics(diagnostics, {
  getCanonicalFileName: (f) => f, getCurrentDirectory: () => project, getNewLine: () => '\n',
});

describe.each(modes)('a TypeScript consumer of the packed package, $name', (mode) => {
  let p: ts.Program;
  beforeAll(() => {
    p = program(mode);
  });

  it(`resolves 'batchnorm-wasm' to ${mode.declarations}`, () => {
    const main = p.getRootFileNames()[0];
    const resolved = ts.resolveModuleName('batchnorm-wasm', main, p.getCompilerOptions(), ts.sys, undefined, undefined,
      mode.file.endsWith('.cts') ? ts.ModuleKind.CommonJS : mode.file.endsWith('.mts') ? ts.ModuleKind.ESNext : undefined);
    expect(resolved.resolvedModule?.resolvedFileName.replaceAll('\\', '/')).toMatch(new RegExp(`/node_modules/batchnorm-wasm/${mode.declarations}$`));
  });

  it('type-checks, every declaration file included (skipLibCheck false)', () => {
    const diagnostics = ts.getPreEmitDiagnostics(p);
    expect(format(diagnostics)).toBe('');
    // The check did look at the package's declarations, not only at the consumer.
    expect(p.getSourceFiles().some((f) => f.fileName.replaceAll('\\', '/').endsWith(`/batchnorm-wasm/${mode.declarations}`))).toBe(true);
  });
});

// Every type reachable from the exports of the declaration file `entry`, through properties,
// signatures, unions, type arguments and base types. Types declared outside `packageDir`
// (Float32Array, Promise) are checked themselves but not entered: the standard library has
// its own `any`s. Returns the paths to the `any`s found.
function anysIn(p: ts.Program, entry: string, packageDir: string): string[] {
  const checker = p.getTypeChecker();
  const inPackage = (d: ts.Declaration) => d.getSourceFile().fileName.replaceAll('\\', '/').includes(packageDir);
  const source = p.getSourceFiles().find((f) => f.fileName.replaceAll('\\', '/').endsWith(entry));
  if (!source) throw new Error(`${entry} is not in the program`);
  const seen = new Set<ts.Type>();
  const found: string[] = [];
  const visit = (t: ts.Type, path: string): void => {
    if (t.flags & ts.TypeFlags.Any) {
      found.push(path);
      return;
    }
    if (seen.has(t)) return;
    seen.add(t);
    // A union's members are entered one by one; its own properties (what they have in common,
    // e.g. number | bigint's toLocaleString from the standard library) would add nothing else.
    if (t.isUnionOrIntersection()) {
      t.types.forEach((u, i) => visit(u, `${path}|${i}`));
      t.aliasTypeArguments?.forEach((a) => visit(a, `${path}<>`));
      return;
    }
    if (t.flags & ts.TypeFlags.Object && (t as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) {
      checker.getTypeArguments(t as ts.TypeReference).forEach((a) => visit(a, `${path}<>`));
    }
    t.aliasTypeArguments?.forEach((a) => visit(a, `${path}<>`));
    const declarations = (t.aliasSymbol ?? t.getSymbol())?.declarations ?? [];
    if (declarations.length > 0 && !declarations.some(inPackage)) return; // the standard library's, or @types/node's
    for (const prop of t.getProperties()) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      // Private members are declared without their types (\`private x;\`): not the public surface.
      const hidden = prop.name.startsWith('#') || (decl && ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected));
      if (decl && !hidden) visit(checker.getTypeOfSymbolAtLocation(prop, decl), `${path}.${prop.name}`);
    }
    for (const kind of [ts.SignatureKind.Call, ts.SignatureKind.Construct]) {
      for (const sig of checker.getSignaturesOfType(t, kind)) {
        sig.getParameters().forEach((param) => visit(checker.getTypeOfSymbol(param), `${path}(${param.name})`));
        visit(sig.getReturnType(), `${path}()`);
      }
    }
    if (t.isClassOrInterface()) checker.getBaseTypes(t).forEach((b) => visit(b, `${path}:base`));
  };
  for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(source)!)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const decl = target.valueDeclaration ?? target.declarations![0];
    if (target.flags & ts.SymbolFlags.Value) visit(checker.getTypeOfSymbolAtLocation(target, decl), symbol.name);
    if (target.flags & ts.SymbolFlags.Type) visit(checker.getDeclaredTypeOfSymbol(target), `type ${symbol.name}`);
  }
  return found;
}

it('the `any` finder finds one deep inside a declaration', () => {
  const dir = join(project, 'any-control');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.d.ts'), `export interface Shown { f(x: { y: Promise<Inner> }): void }
interface Inner { readonly deep: Array<string | any> }
export declare function clean(x: number): Float32Array;
`);
  const p = ts.createProgram([join(dir, 'index.d.ts')], { ...common, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
  expect(anysIn(p, 'any-control/index.d.ts', '/any-control/')).toEqual(['type Shown.f(x).y<>.deep<>']);
});

it.each([['ES module', modes[2], ESM], ['CommonJS', modes[3], CJS]] as const)('no `any` on the public surface (%s declarations)', (_, mode, entry) => {
  expect(anysIn(program(mode), `/batchnorm-wasm/${entry}`, '/batchnorm-wasm/')).toEqual([]);
});

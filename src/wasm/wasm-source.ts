// What init({ wasm }) accepts, declared without the DOM lib: TypeScript projects for Node
// alone (lib es2022, @types/node) have no WebAssembly namespace, and the package's
// declarations must type-check there too. A leaf: the public types import it, not the
// instantiation code.

/**
 * A compiled `WebAssembly.Module` (from `WebAssembly.compile`). Typed `object` because that
 * is all the DOM lib says of one too (an empty interface); `init` tells a real module from
 * other objects at run time.
 *
 * @example
 * ```ts
 * const module: CompiledWasmModule = await WebAssembly.compile(bytes);
 * await init({ wasm: module });
 * ```
 */
export type CompiledWasmModule = object;

/**
 * Where the Wasm comes from: a URL (fetched), bytes, or a compiled module. The package's own bytes by default.
 *
 * @example
 * ```ts
 * const source: WasmSource = new URL('batchnorm-wasm/batchnorm.wasm', import.meta.url);
 * ```
 */
export type WasmSource = string | URL | ArrayBuffer | ArrayBufferView | CompiledWasmModule;

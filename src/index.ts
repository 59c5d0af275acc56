// batchnorm-wasm: the book's BatchNormalization layer over SIMD Wasm kernels, with a
// pure TypeScript fallback.
export { init, initSync, shutdown, wasmMemoryInfo } from './init.js';
export type { InitInfo, InitOptions, InitOptionsSync } from './init.js';
export { BatchNormalization } from './layer.js';
export type { Tensor } from './types.js';
export type { BatchNormalizationOptions } from './options.js';
export { foldInto } from './fold.js';
export { allocTensor, WasmTensor } from './tensors.js';
export type { Folded, FoldableLayer } from './fold.js';
export type { Activation } from './activation.js';
export type { ArrayOf, Axis, BackendName, DType, FloatArray, TensorInput, TensorLike } from './types.js';
export type { BatchNormState, PyTorchBatchNorm, PyTorchExport } from './interop.js';
export type { KerasConfig, KerasExport, KerasWeights } from './interop-keras.js';
export type { CompiledWasmModule, WasmSource } from './wasm/wasm-source.js';
export { messagePortCollective } from './sync/message-port.js';
export type { PortCollective, PortLike } from './sync/message-port.js';
export type { Collective } from './sync/collective.js';

// An engine without Wasm SIMD: WebAssembly.validate refuses any bytes with a SIMD opcode (the
// 0xfd prefix), as such an engine does; everything else validates as it would. Undone by
// vi.restoreAllMocks().
import { vi } from 'vitest';

export function hideWasmSimd(): void {
  const realValidate = WebAssembly.validate;
  vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes) => !new Uint8Array(bytes as ArrayBuffer).includes(0xfd) && realValidate(bytes));
}

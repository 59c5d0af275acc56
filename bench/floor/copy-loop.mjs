// The Wasm copy loop (copy-loop.ts beside this file), compiled with the project's asc into
// memory, with a memory of its own: copyLoop(count) gives a function that copies count
// floats from one buffer to another, the same bytes a kernel's pass over count floats moves.
import asc from 'assemblyscript/asc';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('./copy-loop.ts', import.meta.url));
let exportsOnce;

async function compile() {
  let binary;
  const { error, stderr } = await asc.main([source, '--enable', 'simd', '-O3', '--runtime', 'stub', '--noAssert', '--importMemory', '--use', 'abort=',
    '--outFile', 'copy-loop.wasm'], { writeFile: (name, contents) => { if (name.endsWith('.wasm')) binary = contents; } });
  if (error) throw new Error(`copy-loop.ts: ${stderr.toString()}`);
  return binary;
}

/** A function that copies count floats with the Wasm copy loop, between two buffers of its own. */
export async function copyLoop(count) {
  exportsOnce ??= compile();
  const binary = await exportsOnce;
  const bytes = count * 4;
  const gap = 4096 + 320; // apart by more than a page, and not a multiple of 4 KiB (the heap's SKEW)
  const pages = Math.ceil((2 * bytes + 2 * gap) / 65536) + 1;
  const memory = new WebAssembly.Memory({ initial: pages });
  const { copy } = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { memory } }).exports;
  const x = 64, y = x + bytes + gap;
  new Float32Array(memory.buffer, x, count).fill(1.5);
  return () => copy(x, y, bytes);
}

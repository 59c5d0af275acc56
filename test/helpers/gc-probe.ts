// Run with --expose-gc: creates 500 Wasm layers, drops them without dispose(), collects,
// and prints how many heap bytes were in use before, while held, and after collection.
import { BatchNormalization, initSync, wasmMemoryInfo } from '../../src/index.js';

initSync();
const baseline = wasmMemoryInfo()!.bytesInUse;
// In a function of its own, so that no local of this module keeps a layer reachable.
function useAndDrop(): number {
  const layers: BatchNormalization[] = [];
  for (let i = 0; i < 500; i++) {
    const bn = new BatchNormalization(new Float32Array(64).fill(1), new Float32Array(64), 0.9, null, null, { backend: 'wasm' });
    bn.forward({ data: new Float32Array(64 * 64).fill(i), shape: [64, 64] });
    layers.push(bn);
  }
  return wasmMemoryInfo()!.bytesInUse;
}
const inUseWhileHeld = useAndDrop();
// FinalizationRegistry callbacks run after a collection, on a later turn of the event loop.
for (let i = 0; i < 20 && wasmMemoryInfo()!.bytesInUse !== baseline; i++) {
  (globalThis as { gc?: () => void }).gc!();
  await new Promise((resolve) => setTimeout(resolve, 10));
}
console.log(JSON.stringify({ baseline, inUseWhileHeld, inUseAfterGc: wasmMemoryInfo()!.bytesInUse }));

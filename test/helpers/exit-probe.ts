// Run as a child process: uses worker threads and then simply ends, without shutdown() or
// dispose(). The test checks that the process exits by itself.
import { BatchNormalization, init } from '../../src/index.js';

const info = await init({ threads: 2 });
const bn = new BatchNormalization(new Float32Array(1024).fill(1), new Float32Array(1024));
const y = bn.forward({ data: Float32Array.from({ length: 512 * 1024 }, (_, i) => i % 97), shape: [512, 1024] }).data;
console.log(JSON.stringify({ threads: info.threads, y0: y[0] }));

// Loads the built package by path and initialises it the way ?mode= says:
// embedded (init()), url (init({ wasm: url })) or js (init({ backend: 'js' })), then
// runs one training forward. The outcome goes to #result for csp.test.ts.
import { BatchNormalization, init } from '/dist/index.js';

const mode = new URLSearchParams(location.search).get('mode');
const options = { embedded: undefined, url: { wasm: '/build/batchnorm.wasm' }, js: { backend: 'js' } }[mode];
const result = { mode };
try {
  result.info = await init(options);
  const bn = new BatchNormalization([1, 1], [0, 0]);
  result.y = Array.from(bn.forward({ data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] }).data);
  bn.dispose();
} catch (error) {
  result.error = `${error?.name}: ${error?.message}`;
}
document.getElementById('result').textContent = JSON.stringify(result);
document.body.dataset.state = 'done';

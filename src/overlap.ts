// Whether two arrays, or two byte ranges of one memory, share bytes. The kernels run in place
// (the same elements in and out) but not over a shifted overlap: an elementwise pass from
// one range into the other would read values it had already written.

/** Whether the byte ranges [a, a + aBytes) and [b, b + bBytes) share a byte. */
export function rangesOverlap(a: number, aBytes: number, b: number, bBytes: number): boolean {
  return a < b + bBytes && b < a + aBytes;
}

/** Whether two arrays share any bytes. */
export function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && rangesOverlap(a.byteOffset, a.byteLength, b.byteOffset, b.byteLength);
}

/** Whether two arrays share bytes without starting at the same one. */
export function shiftedOverlap(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.byteOffset !== b.byteOffset && overlaps(a, b);
}

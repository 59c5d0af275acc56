// Worker threads need the kernels over a *shared* memory, and a module may import a shared
// memory only if its import says so. Rather than ship a second binary, this rewrites the
// memory import's limits in the shipped bytes: flags 0x03 (shared, with maximum), the same
// minimum, and the given maximum. Every other byte is copied as is.

function readLeb(bytes: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [value, pos];
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value) b |= 0x80;
    out.push(b);
  } while (value);
  return out;
}

const IMPORT_SECTION = 2;
const KIND_MEMORY = 2;

// One import entry starting at pos: copied to out, a memory's limits rewritten.
function copyImport(bytes: Uint8Array, pos: number, out: number[], maxPages: number): number {
  for (let name = 0; name < 2; name++) { // module name, then field name
    const [len, start] = readLeb(bytes, pos);
    out.push(...bytes.subarray(pos, start + len));
    pos = start + len;
  }
  const kind = bytes[pos++];
  out.push(kind);
  if (kind !== KIND_MEMORY) {
    // func: a type index; table: a reference type and limits; global (3): a value type and a
    // mutability byte, and tag (4): an attribute byte and a type index, so one byte and a
    // LEB128 number either way.
    const end = kind === 0 ? readLeb(bytes, pos)[1] : kind === 1 ? skipLimits(bytes, pos + 1) : readLeb(bytes, pos + 1)[1];
    out.push(...bytes.subarray(pos, end));
    return end;
  }
  const flags = bytes[pos];
  const [min, next] = readLeb(bytes, pos + 1);
  out.push(0x03, ...leb(min), ...leb(maxPages));
  return flags & 1 ? readLeb(bytes, next)[1] : next;
}

function skipLimits(bytes: Uint8Array, pos: number): number {
  const flags = bytes[pos];
  const next = readLeb(bytes, pos + 1)[1];
  return flags & 1 ? readLeb(bytes, next)[1] : next;
}

/** The same module with its imported memory declared shared, of at most maxPages pages. */
export function withSharedMemory(bytes: Uint8Array, maxPages: number): Uint8Array {
  const out: number[] = [...bytes.subarray(0, 8)]; // magic and version
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos];
    const [size, start] = readLeb(bytes, pos + 1);
    const end = start + size;
    if (id !== IMPORT_SECTION) {
      out.push(...bytes.subarray(pos, end));
    } else {
      const body: number[] = [];
      const [count, first] = readLeb(bytes, start);
      body.push(...leb(count));
      let p = first;
      for (let i = 0; i < count; i++) p = copyImport(bytes, p, body, maxPages);
      out.push(id, ...leb(body.length), ...body);
    }
    pos = end;
  }
  return new Uint8Array(out);
}

// withSharedMemory (src/wasm/shared-module.ts) on a module written here byte by byte: every
// kind of import, multi-byte LEB128 sizes, a memory with and without a maximum. The result is
// compared with the module written by hand with its memory import shared, and instantiated.
import { describe, expect, it } from 'vitest';
import { withSharedMemory } from '../src/wasm/shared-module.js';

const str = (s: string) => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    const b = v & 0x7f;
    v >>>= 7;
    out.push(v ? b | 0x80 : b);
  } while (v);
  return out;
}

// A module importing a function, two tables (limits without and with a maximum), a global and
// a memory, with a custom section of 200 bytes after (a size of two LEB128 bytes).
function moduleWith(memoryLimits: number[]): Uint8Array {
  const imports = [
    ...str('m'), ...str('f'), 0x00, 0x00, // func of type 0
    ...str('m'), ...str('t'), 0x01, 0x70, 0x00, 0x01, // table funcref, min 1
    ...str('m'), ...str('t2'), 0x01, 0x70, 0x01, 0x01, 0x02, // table funcref, min 1 max 2
    ...str('m'), ...str('g'), 0x03, 0x7f, 0x00, // global i32, immutable
    ...str('m'), ...str('mem'), 0x02, ...memoryLimits,
  ];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x00, 0x00]), // type 0: () -> ()
    ...section(2, [0x05, ...imports]),
    ...section(0, [...str('pad'), ...new Array<number>(196).fill(7)]),
  ]);
}

describe('withSharedMemory', () => {
  it('declares the memory import shared, with the same minimum and the given maximum, and copies every other byte', () => {
    // A minimum of 300 pages (two LEB128 bytes); a maximum of 60,000 (three).
    for (const limits of [[0x00, ...uleb(300)], [0x01, ...uleb(300), ...uleb(1000)]]) {
      const got = withSharedMemory(moduleWith(limits), 60000);
      expect(Array.from(got)).toEqual(Array.from(moduleWith([0x03, ...uleb(300), ...uleb(60000)])));
      expect(WebAssembly.validate(got as BufferSource)).toBe(true);
    }
  });

  it('gives a module that takes a shared memory', () => {
    const got = withSharedMemory(moduleWith([0x00, 0x01]), 4);
    const imports = {
      m: {
        f: () => undefined,
        t: new WebAssembly.Table({ element: 'anyfunc', initial: 1 }),
        t2: new WebAssembly.Table({ element: 'anyfunc', initial: 1, maximum: 2 }),
        g: new WebAssembly.Global({ value: 'i32' }, 5),
        mem: new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true }),
      },
    };
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(got as BufferSource), imports)).not.toThrow();
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(moduleWith([0x00, 0x01]) as BufferSource), imports)).toThrow(WebAssembly.LinkError);
  });
});

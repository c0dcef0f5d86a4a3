// BTF and BTF.ext: parsing, type sizes, corrupt input, and line info mapped to linked programs.

import { describe, expect, it } from 'vitest';
import { parseBtf, sizeOfType, skipModifiers } from '../../src/elf/btf.js';
import { findProgram, lineOf, loadObject } from '../../src/elf/index.js';
import { edit, errorOf, fixture, sectionRange } from './util.js';

/** A .BTF blob from type records (u32 words) and a string section. */
function btfBlob(words: readonly number[], strings: string): Uint8Array {
  const str = new TextEncoder().encode(strings);
  const typeLen = words.length * 4;
  const out = new Uint8Array(24 + typeLen + str.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xeb9f, true);
  v.setUint8(2, 1);
  v.setUint32(4, 24, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, typeLen, true);
  v.setUint32(16, typeLen, true);
  v.setUint32(20, str.length, true);
  words.forEach((w, i) => v.setUint32(24 + i * 4, w >>> 0, true));
  out.set(str, 24 + typeLen);
  return out;
}

const info = (kind: number, vlen = 0): number => ((kind << 24) | vlen) >>> 0;

describe('parseBtf', () => {
  // 1: int "int" size 4; 2: typedef "u32t" -> 1; 3: array of 5 x [2]; 4: const -> 3; 5: ptr -> 4
  const strings = '\0int\0u32t\0';
  const words = [
    1,
    info(1),
    4,
    0x20,
    5,
    info(8),
    1,
    0,
    info(3),
    0,
    2,
    1,
    5,
    0,
    info(10),
    3,
    0,
    info(2),
    4,
  ];

  it('parses kinds and resolves sizes through typedefs, qualifiers and arrays', () => {
    const btf = parseBtf(btfBlob(words, strings));
    expect(btf.types.map((t) => [t.kind, t.name])).toEqual([
      ['void', ''],
      ['int', 'int'],
      ['typedef', 'u32t'],
      ['array', ''],
      ['const', ''],
      ['ptr', ''],
    ]);
    expect(sizeOfType(btf, 2)).toBe(4);
    expect(sizeOfType(btf, 4)).toBe(20);
    expect(sizeOfType(btf, 5)).toBe(8);
    expect(skipModifiers(btf, 4).kind).toBe('array');
  });

  it('stops on reference cycles instead of hanging', () => {
    // 1: typedef -> 2, 2: const -> 1
    const btf = parseBtf(btfBlob([0, info(8), 2, 0, info(10), 1], '\0'));
    expect(errorOf(() => sizeOfType(btf, 1))).toMatchObject({ stage: 'load', code: 'BTF_CORRUPT' });
    expect(errorOf(() => skipModifiers(btf, 1))).toMatchObject({ code: 'BTF_CORRUPT' });
  });

  it.each([
    ['bad magic', (b: Uint8Array) => b.set([0, 0], 0)],
    ['bad version', (b: Uint8Array) => b.set([2], 2)],
    [
      'type section past the end',
      (b: Uint8Array) => new DataView(b.buffer).setUint32(12, 4096, true),
    ],
    [
      'string section past the end',
      (b: Uint8Array) => new DataView(b.buffer).setUint32(20, 4096, true),
    ],
    ['unknown kind', (b: Uint8Array) => new DataView(b.buffer).setUint32(24 + 4, info(25), true)],
    ['truncated record', (b: Uint8Array) => new DataView(b.buffer).setUint32(12, 10 * 4, true)],
    [
      'name outside the strings',
      (b: Uint8Array) => new DataView(b.buffer).setUint32(24, 999, true),
    ],
    [
      'reference to a missing type',
      (b: Uint8Array) => new DataView(b.buffer).setUint32(24 + 4 * 6, 77, true),
    ],
    [
      'struct with more members than bytes',
      (b: Uint8Array) => new DataView(b.buffer).setUint32(24 + 4 * 8, info(4, 0xffff), true),
    ],
  ])('%s -> BTF_CORRUPT', (_name, mutate) => {
    const blob = btfBlob(words, strings);
    mutate(blob);
    expect(errorOf(() => parseBtf(blob))).toMatchObject({ stage: 'load', code: 'BTF_CORRUPT' });
  });

  it('a corrupt .BTF in an object fails the load with BTF_CORRUPT', () => {
    const bytes = fixture('btf_maps.o');
    const btf = sectionRange(bytes, '.BTF');
    const bad = edit(bytes, (v) => v.setUint16(btf.offset, 0x1234, true));
    expect(errorOf(() => loadObject(bad))).toMatchObject({ code: 'BTF_CORRUPT' });
    const ext = sectionRange(bytes, '.BTF.ext');
    const badExt = edit(bytes, (v) => v.setUint32(ext.offset + 20, 0xffffff, true));
    expect(errorOf(() => loadObject(badExt))).toMatchObject({ code: 'BTF_CORRUPT' });
  });
});

describe('line info', () => {
  const obj = loadObject(fixture('subprogs.o'));

  it('maps instructions of the program and of appended subprograms to file:line', () => {
    const one = findProgram(obj, 'xdp_one');
    expect(one.lineInfo?.length).toBeGreaterThan(0);
    const first = lineOf(one, 0);
    expect(first?.file).toMatch(/subprogs\.c$/);
    expect(first?.line).toBe(31);
    expect(first?.text).toBe('\tcounter++;');
    // The last instruction belongs to leaf (appended last): its lines are in leaf's body.
    const last = lineOf(one, one.insns.length / 8 - 1);
    expect(last).toMatchObject({ line: 14, text: '\treturn x * 3 + limit;' });
    for (const rec of one.lineInfo ?? []) expect(rec.insn).toBeLessThan(one.insns.length / 8);
  });

  it('is sorted and gives the nearest record at or before an instruction', () => {
    const tc = findProgram(obj, 'tc_main');
    const lines = tc.lineInfo ?? [];
    for (let i = 1; i < lines.length; i++)
      expect(lines[i]?.insn).toBeGreaterThanOrEqual(lines[i - 1]?.insn ?? 0);
    const second = lines[1];
    if (second === undefined) throw new Error('too few lines');
    expect(lineOf(tc, second.insn)).toEqual(second);
    expect(lineOf({ ...tc, lineInfo: [] }, 0)).toBeUndefined();
  });

  it('objects without .BTF.ext have no line info', () => {
    const bytes = fixture('subprogs.o');
    const name = new TextEncoder().encode('.BTF.ext\0');
    const at = bytes.findIndex((_b, i) => name.every((c, j) => bytes[i + j] === c));
    expect(at).toBeGreaterThan(0);
    const renamed = edit(bytes, (_v, b) => b.set([0x79], at + 7)); // .BTF.ext -> .BTF.exy
    const plain = loadObject(renamed);
    expect(plain.programs.every((p) => p.lineInfo === undefined)).toBe(true);
    expect(plain.programs.map((p) => p.insns)).toEqual(obj.programs.map((p) => p.insns));
  });
});

// Map definitions: BTF-defined (.maps), legacy (maps, 20/28/36-byte entries), global data.

import { describe, expect, it } from 'vitest';
import { BPF_F_RDONLY_PROG, loadObject, type MapDef } from '../../src/elf/index.js';
import { Code, decode, LddwSrc } from '../../src/isa/index.js';
import { edit, errorOf, fixture, sectionRange, symbolAt, view } from './util.js';

function mapNamed(maps: readonly MapDef[], name: string): MapDef {
  const m = maps.find((x) => x.name === name);
  if (m === undefined) throw new Error(`no map ${name}`);
  return m;
}

describe('BTF-defined maps', () => {
  const bytes = fixture('btf_maps.o');
  const obj = loadObject(bytes);

  it('reads type, sizes from key/value types or key_size/value_size, flags, pinning, numa node', () => {
    expect(mapNamed(obj.maps, 'hmap')).toMatchObject({
      type: 'hash',
      typeId: 1,
      keySize: 4,
      valueSize: 16, // struct pair { u64; u32 } with padding
      maxEntries: 128,
      flags: 1, // BPF_F_NO_PREALLOC
      pinning: 0,
      section: '.maps',
    });
    expect(mapNamed(obj.maps, 'amap')).toMatchObject({
      type: 'array',
      keySize: 4,
      valueSize: 24,
      maxEntries: 3,
    });
    expect(mapNamed(obj.maps, 'pcpu')).toMatchObject({
      type: 'percpu_array',
      typeId: 6,
      valueSize: 32, // __u64[4]
      pinning: 1,
      numaNode: 1,
    });
    expect(mapNamed(obj.maps, 'events')).toMatchObject({
      type: 'ringbuf',
      typeId: 27,
      keySize: 0,
      valueSize: 0,
      maxEntries: 4096,
    });
  });

  it('reads inner map templates and map-in-map initialisers', () => {
    const outer = mapNamed(obj.maps, 'outer');
    expect(outer).toMatchObject({ type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 4 });
    expect(outer.inner).toMatchObject({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
    expect(outer.initialValues).toEqual([{ index: 2, kind: 'map', name: 'inner1' }]);
  });

  it('reads prog array initialisers', () => {
    expect(mapNamed(obj.maps, 'jumps')).toMatchObject({
      type: 'prog_array',
      keySize: 4,
      valueSize: 4,
      maxEntries: 8,
      initialValues: [
        { index: 1, kind: 'prog', name: 'tail_a' },
        { index: 5, kind: 'prog', name: 'tail_b' },
      ],
    });
  });

  it('encodes map references as lddw src=MAP_IDX with the map index', () => {
    const p = obj.programs.find((x) => x.name === 'sock_prog');
    if (p === undefined) throw new Error('no sock_prog');
    const decoded = decode(p.insns);
    expect(p.relocations.map((r) => ('map' in r ? r.map : ''))).toEqual([
      'hmap',
      'amap',
      'outer',
      'events',
      'pcpu',
    ]);
    for (const r of p.relocations) {
      if (r.kind === 'builtin') continue;
      const insn = decoded.insns[decoded.indexOfPc[r.insn] ?? -1];
      expect(insn).toMatchObject({ code: Code.LDDW, src: LddwSrc.MAP_IDX, imm: r.mapIndex });
      expect(obj.maps[r.mapIndex]?.name).toBe(r.map);
    }
  });

  it('MAP_UNKNOWN_TYPE for a map type the kernel does not define', () => {
    // The ringbuf's __uint(type, 27) is `int (*)[27]`: find that BTF array record and change it.
    const btf = sectionRange(bytes, '.BTF');
    const v = view(bytes);
    let at = -1;
    for (let i = btf.offset; i + 24 <= btf.offset + btf.size; i += 4) {
      if (v.getUint32(i + 4, true) === 0x03000000 && v.getUint32(i + 20, true) === 27) at = i + 20;
    }
    expect(at).toBeGreaterThan(0);
    const bad = edit(bytes, (w) => w.setUint32(at, 99, true));
    expect(errorOf(() => loadObject(bad))).toMatchObject({
      stage: 'load',
      code: 'MAP_UNKNOWN_TYPE',
    });
  });

  it('MAP_BAD_DEF for a values relocation outside the values array', () => {
    const rel = sectionRange(bytes, '.rel.maps');
    const bad = edit(bytes, (w) =>
      w.setUint32(rel.offset, w.getUint32(rel.offset, true) + 4, true),
    );
    expect(errorOf(() => loadObject(bad))).toMatchObject({ code: 'MAP_BAD_DEF' });
  });
});

describe('legacy maps', () => {
  it('reads 20-byte struct bpf_map_def entries', () => {
    const obj = loadObject(fixture('legacy_maps.o'));
    expect(obj.maps).toEqual([
      {
        name: 'counts',
        section: 'maps',
        type: 'array',
        typeId: 2,
        keySize: 4,
        valueSize: 8,
        maxEntries: 16,
        flags: 0,
        pinning: 0,
        numaNode: 0,
      },
      {
        name: 'flows',
        section: 'maps',
        type: 'lru_hash',
        typeId: 9,
        keySize: 8,
        valueSize: 16,
        maxEntries: 1024,
        flags: 0,
        pinning: 0,
        numaNode: 0,
      },
    ]);
    expect(obj.programs[0]?.relocations).toEqual([
      { insn: 4, kind: 'map', map: 'counts', mapIndex: 0, offset: 0 },
    ]);
  });

  it('reads 28-byte entries with inner_map_idx and numa_node', () => {
    const obj = loadObject(fixture('legacy28.o'));
    expect(obj.maps.map((m) => [m.name, m.type, m.numaNode, m.innerMapIndex])).toEqual([
      ['tmpl', 'hash', 3, undefined],
      ['outer', 'hash_of_maps', 0, 0],
    ]);
    expect(obj.programs[0]).toMatchObject({ name: 'prog', section: 'xdp_prog', type: 'xdp' });
  });

  it('MAP_UNKNOWN_TYPE and MAP_BAD_DEF', () => {
    const bytes = fixture('legacy_maps.o');
    const maps = sectionRange(bytes, 'maps');
    const unknown = edit(bytes, (v) => v.setUint32(maps.offset + 20, 200, true));
    expect(errorOf(() => loadObject(unknown))).toMatchObject({ code: 'MAP_UNKNOWN_TYPE' });
    // A map symbol that is not at an entry boundary inside the section.
    const at = symbolAt(bytes, 'flows');
    const moved = edit(bytes, (v) => v.setUint32(at + 8, 38, true));
    expect(errorOf(() => loadObject(moved))).toMatchObject({ code: 'MAP_BAD_DEF' });
  });
});

describe('global data', () => {
  const obj = loadObject(fixture('globals.o'));

  it('makes one-entry array maps of .rodata.*, .data.*, .bss with their initial bytes', () => {
    // clang moved the never-written static `table` into .rodata.cst16.
    expect(obj.maps.map((m) => m.name)).toEqual([
      '.data.custom',
      '.rodata.str1.1',
      '.rodata.cst16',
      '.bss',
    ]);
    expect([
      ...new Int32Array(
        (mapNamed(obj.maps, '.rodata.cst16').data ?? new Uint8Array(16)).slice().buffer,
      ),
    ]).toEqual([10, 20, 30, 40]);
    const str = mapNamed(obj.maps, '.rodata.str1.1');
    expect(str).toMatchObject({
      type: 'array',
      typeId: 2,
      keySize: 4,
      valueSize: 16,
      maxEntries: 1,
      flags: BPF_F_RDONLY_PROG,
    });
    expect(new TextDecoder().decode(str.data)).toBe('len=%d\n\0idx=%d\n\0');
    expect([...(mapNamed(obj.maps, '.data.custom').data ?? [])]).toEqual([5, 0, 0, 0, 0, 0, 0, 0]);
    expect(mapNamed(obj.maps, '.data.custom').flags).toBe(0);
    expect(mapNamed(obj.maps, '.bss')).toMatchObject({ valueSize: 32, data: new Uint8Array(32) });
  });

  it('adds the lddw addend to the section symbol offset', () => {
    const p = obj.programs[0];
    if (p === undefined) throw new Error('no program');
    const strs = p.relocations.filter((r) => r.kind === 'map_value' && r.map === '.rodata.str1.1');
    expect(strs.map((r) => (r.kind === 'map_value' ? r.offset : -1))).toEqual([0, 8]);
    const decoded = decode(p.insns);
    for (const r of strs) {
      const insn = decoded.insns[decoded.indexOfPc[r.insn] ?? -1];
      expect(insn?.src).toBe(LddwSrc.MAP_IDX_VALUE);
      // second slot imm = offset
      expect(view(p.insns).getInt32(r.insn * 8 + 12, true)).toBe(
        r.kind === 'map_value' ? r.offset : -1,
      );
    }
  });

  it('ELF_BAD_RELOC for a data reference past the end of its section', () => {
    const bytes = fixture('globals.o');
    const p = obj.programs[0];
    const r = p?.relocations.find(
      (x) => x.kind === 'map_value' && x.map === '.rodata.str1.1' && x.offset === 8,
    );
    if (r === undefined) throw new Error('no reloc');
    const sec = sectionRange(bytes, 'socket');
    const bad = edit(bytes, (v) => v.setInt32(sec.offset + r.insn * 8 + 4, 4096, true));
    expect(errorOf(() => loadObject(bad))).toMatchObject({ code: 'ELF_BAD_RELOC', insn: r.insn });
  });
});

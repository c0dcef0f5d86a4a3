import { describe, expect, it } from 'vitest';
import { Errno, MapType, UpdateFlag } from '../../src/runtime/maps/index.js';
import { Prog, VIAS, errnoOf, setup } from './maps-util.js';

describe('prog array', () => {
  it('holds program ids for tail calls', () => {
    const { maps } = setup([
      { name: 'jt', type: MapType.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4 },
    ]);
    const m = maps.get('jt');
    expect(m.programAt(0)).toBeNull();
    m.setProgram(0, 0); // id 0 is a valid program id, distinct from "empty"
    m.setProgram(2, 7);
    expect(m.programAt(0)).toBe(0);
    expect(m.programAt(2)).toBe(7);
    expect(m.programAt(4)).toBeNull();
    expect(maps.exports.tail_call_target(m.descriptorAddress, 2)).toBe(7);
    expect(maps.exports.tail_call_target(m.descriptorAddress, 1)).toBe(-1);
    expect(maps.exports.tail_call_target(m.descriptorAddress, 0xffffffff)).toBe(-1);
    expect(m.lookupU32(2)).toBe(7);
    expect(m.lookup(1)).toBeNull();
    expect(errnoOf(() => m.updateU32(1, 3, UpdateFlag.NOEXIST))).toBe(Errno.EINVAL);
    expect(errnoOf(() => m.updateU32(4, 3))).toBe(Errno.E2BIG);
    expect(m.delete(2)).toBe(true);
    expect(m.delete(2)).toBe(false);
    expect(errnoOf(() => m.delete(9))).toBe(Errno.E2BIG);
    expect(m.programAt(2)).toBeNull();
    // tail_call_target only answers for prog arrays
    const arr = setup([
      { name: 'a', type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 },
    ]);
    expect(arr.maps.exports.tail_call_target(arr.maps.get('a').descriptorAddress, 0)).toBe(-1);
  });
});

describe.each(VIAS)('maps of maps (%s)', (via) => {
  it('a lookup in an array of maps returns the inner map, usable with the map helpers', () => {
    const env = setup([
      { name: 'outer', type: MapType.ARRAY_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 2 },
      { name: 'inner0', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 },
      { name: 'inner1', type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 4 },
    ]);
    const outer = env.maps.get('outer');
    const p = new Prog(env, via);
    outer.setInner(0, env.maps.get('inner0'));
    outer.setInner(1, env.maps.get('inner1'));
    expect(outer.innerAt(1)?.name).toBe('inner1');
    const inner = p.call(1, outer.descriptorAddress, p.u32(1));
    expect(Number(inner)).toBe(env.maps.get('inner1').descriptorAddress);
    expect(p.call(2, inner, p.u32(5), p.u64(55n), 0)).toBe(0n);
    expect(env.maps.get('inner1').lookupU64(5)).toBe(55n);
    expect(outer.delete(1)).toBe(true);
    expect(p.call(1, outer.descriptorAddress, p.u32(1))).toBe(0n);
    expect(outer.innerAt(1)).toBeNull();
  });

  it('a lookup in a hash of maps returns the inner map', () => {
    const env = setup([
      { name: 'outer', type: MapType.HASH_OF_MAPS, keySize: 8, valueSize: 4, maxEntries: 2 },
      { name: 'q', type: MapType.QUEUE, keySize: 0, valueSize: 4, maxEntries: 2 },
    ]);
    const outer = env.maps.get('outer');
    const p = new Prog(env, via);
    outer.setInner(0x1234n, env.maps.get('q'));
    const inner = p.call(1, outer.descriptorAddress, p.u64(0x1234n));
    expect(Number(inner)).toBe(env.maps.get('q').descriptorAddress);
    expect(p.call(87, inner, p.u32(9), 0)).toBe(0n);
    expect(env.maps.get('q').pop()?.[0]).toBe(9);
    expect(p.call(1, outer.descriptorAddress, p.u64(1n))).toBe(0n);
  });
});

describe('definitions as the ELF loader writes them', () => {
  it('accepts type names with typeId, and fills maps of maps from `values` initialisers', () => {
    const { maps } = setup([
      {
        name: 'outer',
        type: 'array_of_maps',
        typeId: MapType.ARRAY_OF_MAPS,
        keySize: 4,
        valueSize: 4,
        maxEntries: 2,
        initialValues: [
          { index: 1, kind: 'map', name: 'inner' },
          { index: 0, kind: 'prog', name: 'left to the runtime' },
        ],
      },
      { name: 'inner', type: 'LRU_HASH', keySize: 4, valueSize: 4, maxEntries: 2 },
    ]);
    expect(maps.get('inner').type).toBe(MapType.LRU_HASH);
    expect(maps.get('outer').innerAt(1)?.name).toBe('inner');
    expect(maps.get('outer').innerAt(0)).toBeNull();
  });

  it('rejects unknown type names and initialisers naming missing maps', () => {
    expect(() =>
      setup([{ name: 'x', type: 'sockmap', keySize: 4, valueSize: 4, maxEntries: 1 }]),
    ).toThrow(expect.objectContaining({ code: 'MAP_UNSUPPORTED' }));
    expect(() =>
      setup([{ name: 'x', type: 'no_such_type', keySize: 4, valueSize: 4, maxEntries: 1 }]),
    ).toThrow(expect.objectContaining({ code: 'MAP_UNSUPPORTED' }));
    expect(() =>
      setup([
        {
          name: 'o',
          type: MapType.ARRAY_OF_MAPS,
          keySize: 4,
          valueSize: 4,
          maxEntries: 1,
          initialValues: [{ index: 0, kind: 'map', name: 'missing' }],
        },
      ]),
    ).toThrow(expect.objectContaining({ code: 'BAD_MAP' }));
  });
});

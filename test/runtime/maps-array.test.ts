import { describe, expect, it } from 'vitest';
import { Errno, MapFlag, MapType, UpdateFlag, type MapDef } from '../../src/runtime/maps/index.js';
import { Prog, VIAS, errnoOf, le, setup } from './maps-util.js';

const ARRAY: MapDef = {
  name: 'arr',
  type: MapType.ARRAY,
  keySize: 4,
  valueSize: 12,
  maxEntries: 4,
};

describe('array map from the host', () => {
  it('starts zeroed, updates and looks up', () => {
    const m = setup([ARRAY]).maps.get('arr');
    expect(m.lookup(3)).toEqual(new Uint8Array(12));
    const v = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
    m.update(2, v);
    expect(m.lookup(2)).toEqual(v);
    expect(m.lookup(1)).toEqual(new Uint8Array(12));
  });

  it('follows the kernel for range, flags and delete', () => {
    const m = setup([ARRAY]).maps.get('arr');
    const v = new Uint8Array(12);
    expect(m.lookup(4)).toBeNull();
    expect(errnoOf(() => m.update(4, v))).toBe(Errno.E2BIG);
    // every element exists: NOEXIST fails, EXIST succeeds
    expect(errnoOf(() => m.update(0, v, UpdateFlag.NOEXIST))).toBe(Errno.EEXIST);
    expect(errnoOf(() => m.update(0, v, UpdateFlag.EXIST))).toBeUndefined();
    expect(errnoOf(() => m.update(0, v, 3))).toBe(Errno.EINVAL);
    expect(errnoOf(() => m.delete(0))).toBe(Errno.EINVAL);
  });

  it('iterates indices in order; next of the last is the end, of an unknown the first', () => {
    const m = setup([ARRAY]).maps.get('arr');
    expect([...m.keys()].map((k) => k[0])).toEqual([0, 1, 2, 3]);
    expect(m.nextKey(3)).toBeNull();
    expect(m.nextKey(99)).toEqual(le(0, 4));
    expect([...m.entries()]).toHaveLength(4);
  });

  it('exposes its values as a region for the interpreter', () => {
    const { maps, memory } = setup([ARRAY]);
    const at = maps.get('arr').valueAddress(0);
    expect(at).not.toBeNull();
    expect(memory.regionOf(at as number, 4 * 16, true)?.name).toBe('map:arr');
    expect(memory.regionOf((at as number) + 4 * 16, 1, false)).toBeNull();
  });

  it('rejects keys and values of the wrong size', () => {
    const m = setup([ARRAY]).maps.get('arr');
    expect(() => m.update(new Uint8Array(3), new Uint8Array(12))).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
    expect(() => m.update(0, new Uint8Array(11))).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT' }),
    );
  });
});

describe.each(VIAS)('array map through the helpers (%s)', (via) => {
  it('lookup returns the value address the host sees; writes through it are visible', () => {
    const env = setup([ARRAY]);
    const m = env.maps.get('arr');
    const p = new Prog(env, via);
    const addr = p.call(1, m.descriptorAddress, p.u32(1));
    expect(Number(addr)).toBe(m.valueAddress(1));
    env.memory.view.setUint32(Number(addr) + 4, 0xdeadbeef, true);
    expect(m.lookup(1)?.slice(4, 8)).toEqual(le(0xdeadbeef, 4));
    expect(p.call(1, m.descriptorAddress, p.u32(4))).toBe(0n);
  });

  it('update and delete return the kernel errors', () => {
    const env = setup([ARRAY]);
    const m = env.maps.get('arr');
    const p = new Prog(env, via);
    const val = p.put(Array.from({ length: 12 }, (_, i) => 0x10 + i));
    const map = m.descriptorAddress;
    expect(p.call(2, map, p.u32(3), val, UpdateFlag.ANY)).toBe(0n);
    expect(m.lookup(3)?.[11]).toBe(0x1b);
    expect(p.call(2, map, p.u32(7), val, 0)).toBe(BigInt(-Errno.E2BIG));
    expect(p.call(2, map, p.u32(0), val, UpdateFlag.NOEXIST)).toBe(BigInt(-Errno.EEXIST));
    // flags are 64-bit: a high bit is an unknown flag
    expect(p.call(2, map, p.u32(0), val, 1n << 40n)).toBe(BigInt(-Errno.EINVAL));
    expect(p.call(3, map, p.u32(0))).toBe(BigInt(-Errno.EINVAL));
  });
});

describe('per-CPU array', () => {
  const PCPU: MapDef = {
    name: 'pc',
    type: MapType.PERCPU_ARRAY,
    keySize: 4,
    valueSize: 4,
    maxEntries: 2,
  };

  it.each(VIAS)('a program writes only its CPU; the host writes all (%s)', (via) => {
    const env = setup([PCPU], { cpus: 4 });
    const m = env.maps.get('pc');
    const p = new Prog(env, via);
    expect(m.cpus).toBe(4);
    m.updateU32(1, 7);
    expect(m.lookupPerCpu(1)?.map((v) => v[0])).toEqual([7, 7, 7, 7]);
    env.maps.currentCpu = 2;
    expect(p.call(2, m.descriptorAddress, p.u32(1), p.u32(99), 0)).toBe(0n);
    expect(m.lookupPerCpu(1)?.map((v) => v[0])).toEqual([7, 7, 99, 7]);
    expect(m.lookupU32(1)).toBe(99);
    const a2 = p.call(1, m.descriptorAddress, p.u32(1));
    env.maps.currentCpu = 3;
    const a3 = p.call(1, m.descriptorAddress, p.u32(1));
    expect(a3 - a2).toBe(8n); // values are 8-byte aligned per CPU
    // bpf_map_lookup_percpu_elem(map, key, cpu)
    const v0 = p.call(195, m.descriptorAddress, p.u32(1), 2);
    expect(v0).toBe(a2);
    expect(p.call(195, m.descriptorAddress, p.u32(1), 4)).toBe(0n);
    m.updatePerCpu(0, [1, 2, 3, 4]);
    expect(m.lookupPerCpu(0)?.map((v) => v[0])).toEqual([1, 2, 3, 4]);
  });

  it.each(VIAS)(
    'with the default single CPU, lookup_percpu_elem answers for CPU 0 only (%s)',
    (via) => {
      const env = setup([PCPU]);
      const m = env.maps.get('pc');
      const p = new Prog(env, via);
      m.updateU32(0, 5);
      expect(Number(p.call(195, m.descriptorAddress, p.u32(0), 0))).toBe(m.valueAddress(0));
      expect(p.call(195, m.descriptorAddress, p.u32(0), 1)).toBe(0n);
      // not a per-CPU map: NULL
      const arr = setup([ARRAY]);
      const pa = new Prog(arr, via);
      expect(pa.call(195, arr.maps.get('arr').descriptorAddress, pa.u32(0), 0)).toBe(0n);
    },
  );

  it('rejects a CPU outside the configured range', () => {
    const { maps } = setup([PCPU], { cpus: 2 });
    expect(() => {
      maps.currentCpu = 2;
    }).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });
});

describe('global data', () => {
  it('is a one-entry array initialised from the section bytes', () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const { maps, memory } = setup([
      { name: '.data', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, data },
      {
        name: '.rodata',
        type: MapType.ARRAY,
        keySize: 4,
        valueSize: 4,
        maxEntries: 1,
        flags: MapFlag.RDONLY_PROG,
        data: Uint8Array.from([9, 8, 7, 6]),
      },
    ]);
    const d = maps.get('.data');
    expect(d.lookup(0)).toEqual(Uint8Array.from([1, 2, 3, 4, 5, 6, 0, 0]));
    const at = d.valueAddress(0) as number;
    expect(memory.bytes.slice(at, at + 6)).toEqual(data);
    const ro = maps.get('.rodata').valueAddress(0) as number;
    expect(memory.regionOf(ro, 4, false)?.name).toBe('map:.rodata');
    expect(memory.regionOf(ro, 4, true)).toBeNull();
  });

  it('rejects initial data larger than the value', () => {
    expect(() =>
      setup([
        {
          name: 'd',
          type: MapType.ARRAY,
          keySize: 4,
          valueSize: 2,
          maxEntries: 1,
          data: new Uint8Array(3),
        },
      ]),
    ).toThrow(expect.objectContaining({ code: 'BAD_MAP' }));
  });
});

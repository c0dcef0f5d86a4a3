// devmap, devmap_hash and cpumap (the targets of bpf_redirect_map): creation checks, the host
// API with the kernel's errnos, and program-side lookups (read-only) and refused updates, through
// both the interpreter's helper path and the Wasm exports JIT code calls.

import { describe, expect, it } from 'vitest';
import { BpfError } from '../../src/errors.js';
import { Errno, MapType, UpdateFlag, type MapDef } from '../../src/runtime/maps/index.js';
import { Prog, VIAS, errnoOf, setup } from './maps-util.js';

const dev = (valueSize = 4, maxEntries = 4): MapDef => ({
  name: 'dev',
  type: MapType.DEVMAP,
  keySize: 4,
  valueSize,
  maxEntries,
});
const devh = (valueSize = 8): MapDef => ({
  name: 'devh',
  type: 'devmap_hash',
  keySize: 4,
  valueSize,
  maxEntries: 2,
});
const cpu = (valueSize = 8): MapDef => ({
  name: 'cpu',
  type: MapType.CPUMAP,
  keySize: 4,
  valueSize,
  maxEntries: 4,
});

/** An 8-byte devmap/cpumap value: ifindex or queue size, then a prog fd. */
const val = (first: number, fd: number): Uint8Array => {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, first, true);
  v.setInt32(4, fd, true);
  return b;
};

describe('creation', () => {
  it.each([
    ['a devmap with 8-byte keys', { ...dev(), keySize: 8 }],
    ['a devmap with 12-byte values', dev(12)],
    ['a devmap_hash with 2-byte values', devh(2)],
    ['a cpumap with 16-byte values', cpu(16)],
    ['a devmap with no entries', dev(4, 0)],
  ])('refuses %s (BAD_MAP)', (_what, def) => {
    let err: unknown;
    try {
      setup([def]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfError);
    expect((err as BpfError).code).toBe('BAD_MAP');
  });
});

describe('devmap from the host', () => {
  it('stores ifindexes; an empty slot is absent; keys are every index', () => {
    const m = setup([dev()]).maps.get('dev');
    expect(m.lookup(1)).toBeNull();
    m.updateU32(1, 7);
    m.updateU32(3, 1);
    expect(m.lookupU32(1)).toBe(7);
    expect([...m.entries()].map(([k, v]) => [k[0], v[0]])).toEqual([
      [1, 7],
      [3, 1],
    ]);
    // dev_map_get_next_key walks every index, populated or not
    expect([...m.keys()].map((k) => k[0])).toEqual([0, 1, 2, 3]);
    // ifindex 0 empties the slot
    m.updateU32(1, 0);
    expect(m.lookup(1)).toBeNull();
  });

  it('answers with the kernel errnos', () => {
    const m = setup([dev()]).maps.get('dev');
    expect(errnoOf(() => m.updateU32(4, 1))).toBe(Errno.E2BIG);
    expect(errnoOf(() => m.updateU32(0, 1, UpdateFlag.NOEXIST))).toBe(Errno.EEXIST);
    expect(errnoOf(() => m.updateU32(0, 1, 4))).toBe(Errno.EINVAL);
    // every slot exists: BPF_EXIST is fine on an empty one
    expect(errnoOf(() => m.updateU32(0, 1, UpdateFlag.EXIST))).toBeUndefined();
    // deleting succeeds on an empty slot too, only out of range fails
    expect(m.delete(0)).toBe(true);
    expect(m.delete(0)).toBe(true);
    expect(errnoOf(() => m.delete(4))).toBe(Errno.EINVAL);
  });

  it('takes struct bpf_devmap_val: no program fd, and reports prog id 0', () => {
    const m = setup([dev(8)]).maps.get('dev');
    m.update(0, val(3, -1));
    m.update(1, val(4, 0));
    expect(m.lookup(0)).toEqual(val(3, 0));
    expect(m.lookup(1)).toEqual(val(4, 0));
    expect(errnoOf(() => m.update(2, val(4, 5)))).toBe(Errno.EINVAL);
    expect(errnoOf(() => m.update(2, val(0, 5)))).toBe(Errno.EINVAL);
    expect(m.lookup(2)).toBeNull();
  });
});

describe('devmap_hash from the host', () => {
  it('is a hash of ifindexes with the kernel errnos', () => {
    const m = setup([devh()]).maps.get('devh');
    const ip = 0x0100000a;
    m.update(ip, val(1, -1));
    expect(m.lookup(ip)).toEqual(val(1, 0));
    expect(errnoOf(() => m.update(ip, val(2, 0), UpdateFlag.NOEXIST))).toBe(Errno.EEXIST);
    // BPF_EXIST is not checked by the kernel's devmap_hash: a missing key is inserted
    m.update(9, val(2, 0), UpdateFlag.EXIST);
    expect(m.lookup(9)).toEqual(val(2, 0));
    expect(errnoOf(() => m.update(10, val(3, 0)))).toBe(Errno.E2BIG);
    expect(errnoOf(() => m.update(ip, val(0, 0)))).toBe(Errno.EINVAL);
    expect(errnoOf(() => m.update(ip, val(1, 3)))).toBe(Errno.EINVAL);
    expect([...m.keys()]).toHaveLength(2);
    expect(m.delete(9)).toBe(true);
    expect(m.delete(9)).toBe(false);
  });
});

describe('cpumap from the host', () => {
  it('stores queue sizes for the virtual CPUs only', () => {
    const m = setup([cpu()], { cpus: 2 }).maps.get('cpu');
    m.update(1, val(64, 0));
    expect(m.lookup(1)).toEqual(val(64, 0));
    expect(m.lookup(0)).toBeNull();
    expect(errnoOf(() => m.update(2, val(64, 0)))).toBe(Errno.ENODEV);
    expect(errnoOf(() => m.update(4, val(64, 0)))).toBe(Errno.E2BIG);
    expect(errnoOf(() => m.update(0, val(16385, 0)))).toBe(Errno.EOVERFLOW);
    expect(errnoOf(() => m.update(0, val(64, 7)))).toBe(Errno.EINVAL);
    // queue size 0 empties the slot and ignores the fd, as the kernel does
    m.update(1, val(0, 7));
    expect(m.lookup(1)).toBeNull();
  });
});

describe.each(VIAS)('from programs (%s)', (via) => {
  it('a devmap lookup returns the entry; update and delete are -EOPNOTSUPP', () => {
    const env = setup([dev(8), devh(), cpu()]);
    const d = env.maps.get('dev');
    const h = env.maps.get('devh');
    d.update(2, val(5, -1));
    h.update(77, val(6, -1));
    const p = new Prog(env, via);
    const at = p.call(1, d.descriptorAddress, p.u32(2));
    expect(p.read(Number(at), 8)).toEqual(val(5, 0));
    expect(p.call(1, d.descriptorAddress, p.u32(1))).toBe(0n);
    const hat = p.call(1, h.descriptorAddress, p.u32(77));
    expect(p.read(Number(hat), 8)).toEqual(val(6, 0));
    for (const m of [d, h, env.maps.get('cpu')]) {
      expect(p.call(2, m.descriptorAddress, p.u32(0), p.put(val(1, 0)), 0)).toBe(
        -BigInt(Errno.EOPNOTSUPP),
      );
      expect(p.call(3, m.descriptorAddress, p.u32(2))).toBe(-BigInt(Errno.EOPNOTSUPP));
    }
    expect(d.lookup(2)).toEqual(val(5, 0));
    expect(h.lookup(77)).toEqual(val(6, 0));
  });

  it('the entries are a read-only region for programs', () => {
    const env = setup([dev()]);
    const d = env.maps.get('dev');
    d.updateU32(0, 1);
    const p = new Prog(env, via);
    const at = Number(p.call(1, d.descriptorAddress, p.u32(0)));
    expect(at).not.toBe(0);
    expect(() => env.memory.check(at, 4, false, 0)).not.toThrow();
    expect(() => env.memory.check(at, 4, true, 0)).toThrow(BpfError);
  });
});

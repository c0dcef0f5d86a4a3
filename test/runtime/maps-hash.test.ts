import { describe, expect, it } from 'vitest';
import { Errno, MapType, UpdateFlag, type MapDef } from '../../src/runtime/maps/index.js';
import { Prog, VIAS, errnoOf, le, setup } from './maps-util.js';

const hashDef = (type: number, maxEntries: number, valueSize = 8): MapDef => ({
  name: 'h',
  type,
  keySize: 6,
  valueSize,
  maxEntries,
});
const key = (n: number): Uint8Array => Uint8Array.from([n, n >> 8, 0xaa, 0xbb, n & 7, 0]);

describe('hash map from the host', () => {
  it('follows the kernel for flags, full maps and deletion', () => {
    const m = setup([hashDef(MapType.HASH, 3)]).maps.get('h');
    expect(m.lookup(key(1))).toBeNull();
    expect(errnoOf(() => m.updateU64(key(1), 1n, UpdateFlag.EXIST))).toBe(Errno.ENOENT);
    m.updateU64(key(1), 10n, UpdateFlag.NOEXIST);
    expect(errnoOf(() => m.updateU64(key(1), 11n, UpdateFlag.NOEXIST))).toBe(Errno.EEXIST);
    m.updateU64(key(1), 12n, UpdateFlag.EXIST);
    expect(m.lookupU64(key(1))).toBe(12n);
    expect(errnoOf(() => m.updateU64(key(1), 1n, 4))).toBe(Errno.EINVAL);
    m.updateU64(key(2), 20n);
    m.updateU64(key(3), 30n);
    expect(m.count).toBe(3);
    expect(errnoOf(() => m.updateU64(key(4), 40n))).toBe(Errno.E2BIG);
    // replacing an element of a full map is fine
    m.updateU64(key(3), 31n);
    expect(m.lookupU64(key(3))).toBe(31n);
    expect(m.delete(key(2))).toBe(true);
    expect(m.delete(key(2))).toBe(false);
    expect(m.count).toBe(2);
    m.updateU64(key(4), 40n);
    expect(m.lookupU64(key(4))).toBe(40n);
    expect(m.lookup(key(2))).toBeNull();
  });

  it('holds max_entries keys with collisions, iterates each once, survives deletes', () => {
    const m = setup([hashDef(MapType.HASH, 200)]).maps.get('h');
    for (let i = 0; i < 200; i++) m.updateU64(key(i), BigInt(i * 3));
    for (let i = 0; i < 200; i++) expect(m.lookupU64(key(i))).toBe(BigInt(i * 3));
    const seen = [...m.keys()].map((k) => (k[0] as number) | ((k[1] as number) << 8));
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    for (let i = 0; i < 200; i += 2) expect(m.delete(key(i))).toBe(true);
    expect(m.count).toBe(100);
    for (let i = 0; i < 200; i++)
      expect(m.lookupU64(key(i))).toBe(i % 2 === 0 ? null : BigInt(i * 3));
    expect([...m.entries()]).toHaveLength(100);
    for (let i = 0; i < 200; i += 2) m.updateU64(key(i), 1n);
    expect(errnoOf(() => m.updateU64(key(999), 1n))).toBe(Errno.E2BIG);
  });

  it('get_next_key of a missing key restarts from the first key', () => {
    const m = setup([hashDef(MapType.HASH, 8)]).maps.get('h');
    m.updateU64(key(1), 1n);
    m.updateU64(key(2), 2n);
    const first = m.nextKey(null);
    expect(m.nextKey(key(77))).toEqual(first);
    const second = m.nextKey(first);
    expect(second).not.toBeNull();
    expect(m.nextKey(second)).toBeNull();
  });
});

describe.each(VIAS)('hash map through the helpers (%s)', (via) => {
  it('insert, lookup, update in place, delete', () => {
    const env = setup([hashDef(MapType.HASH, 2)]);
    const m = env.maps.get('h');
    const p = new Prog(env, via);
    const map = m.descriptorAddress;
    const k1 = p.put(key(1));
    expect(p.call(1, map, k1)).toBe(0n);
    expect(p.call(2, map, k1, p.u64(5), UpdateFlag.NOEXIST)).toBe(0n);
    const at = p.call(1, map, k1);
    expect(p.readU64(Number(at))).toBe(5n);
    expect(p.call(2, map, k1, p.u64(6), UpdateFlag.NOEXIST)).toBe(BigInt(-Errno.EEXIST));
    expect(p.call(2, map, p.put(key(2)), p.u64(6), UpdateFlag.EXIST)).toBe(BigInt(-Errno.ENOENT));
    expect(p.call(2, map, k1, p.u64(7), UpdateFlag.EXIST)).toBe(0n);
    expect(p.readU64(Number(at))).toBe(7n); // same element, value replaced
    expect(p.call(2, map, p.put(key(2)), p.u64(8), 0)).toBe(0n);
    expect(p.call(2, map, p.put(key(3)), p.u64(9), 0)).toBe(BigInt(-Errno.E2BIG));
    expect(p.call(3, map, k1)).toBe(0n);
    expect(p.call(3, map, k1)).toBe(BigInt(-Errno.ENOENT));
    expect(m.lookupU64(key(2))).toBe(8n);
    expect(env.memory.regionOf(Number(p.call(1, map, p.put(key(2)))), 8, true)?.name).toBe('map:h');
  });
});

describe('per-CPU hash', () => {
  it.each(VIAS)(
    'an element a program creates has its value on the current CPU only (%s)',
    (via) => {
      const env = setup([hashDef(MapType.PERCPU_HASH, 4, 4)], { cpus: 3 });
      const m = env.maps.get('h');
      const p = new Prog(env, via);
      env.maps.currentCpu = 1;
      expect(p.call(2, m.descriptorAddress, p.put(key(1)), p.u32(42), 0)).toBe(0n);
      expect(m.lookupPerCpu(key(1))?.map((v) => v[0])).toEqual([0, 42, 0]);
      env.maps.currentCpu = 2;
      expect(p.call(2, m.descriptorAddress, p.put(key(1)), p.u32(43), UpdateFlag.EXIST)).toBe(0n);
      expect(m.lookupPerCpu(key(1))?.map((v) => v[0])).toEqual([0, 42, 43]);
      m.updateU32(key(2), 5);
      expect(m.lookupPerCpu(key(2))?.map((v) => v[0])).toEqual([5, 5, 5]);
      expect(Number(p.call(1, m.descriptorAddress, p.put(key(2))))).toBe(m.valueAddress(key(2)));
    },
  );
});

describe.each(VIAS)('LRU hash (%s)', (via) => {
  it('evicts the least recently used element; program lookups refresh, host lookups do not', () => {
    const env = setup([hashDef(MapType.LRU_HASH, 3)]);
    const m = env.maps.get('h');
    const p = new Prog(env, via);
    const map = m.descriptorAddress;
    for (const i of [1, 2, 3]) expect(p.call(2, map, p.put(key(i)), p.u64(i), 0)).toBe(0n);
    // recency (newest first): 3 2 1; a program lookup of 1 makes it 1 3 2
    expect(p.call(1, map, p.put(key(1)))).not.toBe(0n);
    expect(p.call(2, map, p.put(key(4)), p.u64(4), 0)).toBe(0n); // evicts 2 -> 4 1 3
    expect(m.lookup(key(2))).toBeNull();
    expect(m.lookupU64(key(3))).toBe(3n); // host lookup: 3 stays least recent
    expect(p.call(2, map, p.put(key(5)), p.u64(5), UpdateFlag.NOEXIST)).toBe(0n); // evicts 3
    expect(m.lookup(key(3))).toBeNull();
    // updating an existing element refreshes it: 5 4 1 -> 1 5 4, then 6 evicts 4
    expect(p.call(2, map, p.put(key(1)), p.u64(11), UpdateFlag.EXIST)).toBe(0n);
    expect(p.call(2, map, p.put(key(6)), p.u64(6), 0)).toBe(0n);
    expect(m.lookup(key(4))).toBeNull();
    expect([...m.keys()].map((k) => k[0]).sort()).toEqual([1, 5, 6]);
    expect(m.lookupU64(key(1))).toBe(11n);
    expect(m.count).toBe(3);
    // deleting frees an element: no eviction for the next insert
    expect(p.call(3, map, p.put(key(5)))).toBe(0n);
    expect(p.call(2, map, p.put(key(7)), p.u64(7), 0)).toBe(0n);
    expect([...m.keys()].map((k) => k[0]).sort()).toEqual([1, 6, 7]);
  });

  it('LRU per-CPU hash evicts too and keeps per-CPU values', () => {
    const env = setup([hashDef(MapType.LRU_PERCPU_HASH, 2, 4)], { cpus: 2 });
    const m = env.maps.get('h');
    const p = new Prog(env, via);
    const map = m.descriptorAddress;
    env.maps.currentCpu = 1;
    for (const i of [1, 2, 3]) expect(p.call(2, map, p.put(key(i)), p.u32(i), 0)).toBe(0n);
    expect(m.lookup(key(1))).toBeNull();
    expect(m.lookupPerCpu(key(3))?.map((v) => v[0])).toEqual([0, 3]);
    expect(le(3, 4)).toEqual(m.lookup(key(3)));
  });
});

describe.each([
  ['hash', MapType.HASH],
  ['LRU hash', MapType.LRU_HASH],
])('%s against a JS model', (_, type) => {
  it('random program-side updates, lookups and deletes agree', () => {
    const MAX = 32;
    const env = setup([hashDef(type, MAX)]);
    const m = env.maps.get('h');
    const p = new Prog(env, 'wasm');
    const map = m.descriptorAddress;
    // insertion order of a JS Map doubles as recency order (oldest first) for the LRU model
    const model = new Map<number, bigint>();
    const touch = (k: number, v: bigint): void => {
      model.delete(k);
      model.set(k, v);
    };
    const lru = type === MapType.LRU_HASH;
    let seed = 99;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    let evictions = 0;
    for (let step = 0; step < 4000; step++) {
      p.reset();
      const k = rand(64);
      const kp = p.put(key(k));
      const op = rand(10);
      if (op < 6) {
        const flags = rand(3);
        const has = model.has(k);
        let want = 0;
        if (flags === UpdateFlag.NOEXIST && has) want = -Errno.EEXIST;
        else if (flags === UpdateFlag.EXIST && !has) want = -Errno.ENOENT;
        else if (!has && model.size === MAX && !lru) want = -Errno.E2BIG;
        expect(p.call(2, map, kp, p.u64(step), flags)).toBe(BigInt(want));
        if (want === 0) {
          if (!has && model.size === MAX) {
            model.delete(model.keys().next().value as number);
            evictions++;
          }
          touch(k, BigInt(step));
        }
      } else if (op < 7) {
        expect(p.call(3, map, kp)).toBe(model.delete(k) ? 0n : BigInt(-Errno.ENOENT));
      } else {
        const at = p.call(1, map, kp);
        const want = model.get(k);
        expect(at === 0n ? null : p.readU64(Number(at))).toBe(want ?? null);
        if (want !== undefined) touch(k, want);
      }
      expect(m.count).toBe(model.size);
    }
    expect(new Set([...m.keys()].map((b) => (b[0] as number) | ((b[1] as number) << 8)))).toEqual(
      new Set(model.keys()),
    );
    if (lru) expect(evictions).toBeGreaterThan(20);
  });
});
